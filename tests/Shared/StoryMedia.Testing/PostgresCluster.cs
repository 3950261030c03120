using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace StoryMedia.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster (initdb into a temp dir, pg_ctl start on a free port) for tests.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const int StartAttempts = 3;

    private readonly string _binDirectory;
    private readonly string _rootDirectory;
    private readonly bool _runAsPostgresUser;
    private readonly Process _reaper;
    private int _disposed;

    private PostgresCluster(string binDirectory, string rootDirectory, bool runAsPostgresUser)
    {
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _runAsPostgresUser = runAsPostgresUser;
        _reaper = StartReaper();
    }

    public int Port { get; private set; }

    public string AdminConnectionString => BuildConnectionString("postgres", pooling: false);

    private string DataDirectory => Path.Combine(_rootDirectory, "data");

    private string LogFile => Path.Combine(_rootDirectory, "log");

    public static async Task<PostgresCluster> StartAsync(CancellationToken ct = default)
    {
        var binDirectory = await FindBinDirectoryAsync(ct);
        // The server refuses to run as root, so root hands the cluster to the postgres account.
        var runAsPostgresUser = Environment.IsPrivilegedProcess;
        var cluster = new PostgresCluster(binDirectory, CreateShortTempDirectory(), runAsPostgresUser);
        try
        {
            if (runAsPostgresUser)
            {
                await RunCheckedAsync("chown", ["postgres", cluster._rootDirectory], cluster._rootDirectory, ct);
            }

            await cluster.RunToolCheckedAsync(
                "initdb",
                ["-D", cluster.DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
                ct);
            await cluster.StartOnFreePortAsync(ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken ct = default)
    {
        name ??= $"t_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        // FILE_COPY's checkpoints cost nothing with fsync=off, and it beats WAL-logging the template's pages.
        await using var command = new NpgsqlCommand(
            $"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" STRATEGY FILE_COPY", connection);
        await command.ExecuteNonQueryAsync(ct);
        return BuildConnectionString(name, pooling: true);
    }

    /// <summary>Fast shutdown: open connections are terminated, the data directory and port are kept.</summary>
    public Task StopAsync(CancellationToken ct = default) =>
        RunToolCheckedAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], ct);

    /// <summary>Starts the stopped cluster again on the same port, so existing connection strings stay valid.</summary>
    public Task StartAgainAsync(CancellationToken ct = default) => PgCtlStartAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _reaper.StandardInput.DisposeAsync();
        await _reaper.WaitForExitAsync();
        _reaper.Dispose();
    }

    /// <summary>
    /// Starts a detached shell that stops the server and deletes the directory once its stdin reaches EOF:
    /// on <see cref="DisposeAsync"/>, or when the kernel closes the pipe because this process died.
    /// The test host gets no time for cleanup at exit (vstest kills it 100 ms after the run) and may crash or be killed,
    /// and a leaked postmaster would outlive it.
    /// </summary>
    private Process StartReaper()
    {
        var (stopFileName, stopArguments) = ToolCommand("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        // setsid keeps Ctrl-C and process-group kills aimed at the test run away from the reaper. The stop may fail
        // because the server is already stopped or was never started; the directory goes either way.
        const string script = "exec >/dev/null 2>&1; cat; \"$@\"; rm -rf \"$0\"";
        var startInfo = new ProcessStartInfo("setsid", ["sh", "-c", script, _rootDirectory, stopFileName, .. stopArguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _rootDirectory,
        };
        return Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start the cluster reaper (setsid sh).");
    }

    private async Task StartOnFreePortAsync(CancellationToken ct)
    {
        // Another process can take the probed port before the server binds it; a fresh port fixes that.
        for (var attempt = 1; ; attempt++)
        {
            Port = FindFreePort();
            try
            {
                await PgCtlStartAsync(ct);
                return;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
            }
        }
    }

    private async Task PgCtlStartAsync(CancellationToken ct)
    {
        var options = $"-k {_rootDirectory} -p {Port} -c listen_addresses=127.0.0.1 -c fsync=off " +
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=1000";
        try
        {
            await RunToolCheckedAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "30", "-o", options, "start"], ct);
        }
        catch (InvalidOperationException e) when (File.Exists(LogFile))
        {
            // pg_ctl only says "could not start server"; the reason is in the server log.
            var log = await File.ReadAllTextAsync(LogFile, ct);
            throw new InvalidOperationException($"{e.Message}{Environment.NewLine}Server log {LogFile}:{Environment.NewLine}{log}", e);
        }
    }

    private string BuildConnectionString(string database, bool pooling) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = pooling,
            // Tests run in parallel, each with pools of its own; small pools keep the sum under max_connections.
            MaxPoolSize = 50,
            Timeout = 30,
            IncludeErrorDetail = true,
            // Every test leaves a pool behind for its own database; idle connections must not pile up to max_connections.
            ConnectionIdleLifetime = 10,
            // The throwaway server has neither TLS nor Kerberos; skipping negotiation keeps libgssapi out of the process.
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;

    private Task RunToolCheckedAsync(string tool, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var (fileName, fullArguments) = ToolCommand(tool, arguments);
        return RunCheckedAsync(fileName, fullArguments, _rootDirectory, ct);
    }

    private (string FileName, IReadOnlyList<string> Arguments) ToolCommand(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binDirectory, tool);
        return _runAsPostgresUser ? ("runuser", ["-u", "postgres", "--", path, .. arguments]) : (path, arguments);
    }

    private static async Task<string> FindBinDirectoryAsync(CancellationToken ct)
    {
        var (exitCode, stdout, _) = await RunAsync(("pg_config", ["--bindir"]), Environment.CurrentDirectory, ct);
        if (exitCode == 0 && File.Exists(Path.Combine(stdout.Trim(), "initdb")))
        {
            return stdout.Trim();
        }

        // libpq-dev's pg_config reports /usr/bin, which has no initdb on Debian; the server lives in /usr/lib/postgresql/N/bin.
        const string debianRoot = "/usr/lib/postgresql";
        var newest = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found: `pg_config --bindir` has no initdb and /usr/lib/postgresql/*/bin/initdb does not exist. Install the `postgresql` package.");
    }

    private static string CreateShortTempDirectory()
    {
        // Directly under /tmp whatever TMPDIR says: the server's Unix socket path must stay under ~107 bytes.
        while (true)
        {
            var path = $"/tmp/pg-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
            if (!Path.Exists(path))
            {
                return Directory.CreateDirectory(path).FullName;
            }
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunCheckedAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken ct)
    {
        var (exitCode, stdout, stderr) = await RunAsync((fileName, arguments), workingDirectory, ct);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{fileName} {string.Join(' ', arguments)}` failed with exit code {exitCode}.{Environment.NewLine}" +
                $"stderr:{Environment.NewLine}{stderr}{Environment.NewLine}stdout:{Environment.NewLine}{stdout}");
        }
    }

    private static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        (string FileName, IReadOnlyList<string> Arguments) command, string workingDirectory, CancellationToken ct)
    {
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(command.FileName, command.Arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                // As the postgres account, a cwd like /root would be unreadable and make initdb and pg_ctl complain.
                WorkingDirectory = workingDirectory,
            },
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, "", $"could not start {command.FileName}: {e.Message}");
        }

        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
