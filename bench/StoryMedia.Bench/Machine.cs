using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace StoryMedia.Bench;

/// <summary>What the figures were measured on.</summary>
public static class Machine
{
    public static async Task<string> PostgresBinDirectoryAsync(CancellationToken ct)
    {
        var configured = (await RunAsync("pg_config", ["--bindir"], ct)).Trim();
        if (File.Exists(Path.Combine(configured, "pgbench")))
        {
            return configured;
        }
        // libpq-dev's pg_config may answer /usr/bin; Debian keeps the server tools under /usr/lib/postgresql/N/bin.
        return Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pgbench"))).Order().LastOrDefault()
            ?? throw new InvalidOperationException("pgbench not found; install the postgresql package.");
    }

    public static async Task<IReadOnlyList<(string Name, string Value)>> DescribeAsync(string postgresConnectionString, CancellationToken ct)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription;
        string postgres;
        await using (var dataSource = NpgsqlDataSource.Create(postgresConnectionString))
        await using (var version = dataSource.CreateCommand("select version()"))
        {
            postgres = (string)(await version.ExecuteScalarAsync(ct))!;
        }
        string sqlite;
        await using (var connection = new SqliteConnection("Data Source=:memory:"))
        {
            await connection.OpenAsync(ct);
            await using var version = connection.CreateCommand();
            version.CommandText = "select sqlite_version()";
            sqlite = (string)(await version.ExecuteScalarAsync(ct))!;
        }
        return
        [
            ("CPU", $"{cpu}, {Environment.ProcessorCount} logical cores (`nproc` = {(await RunAsync("nproc", [], ct)).Trim()})"),
            ("Memory", memory),
            ("OS", $"{os} ({RuntimeInformation.OSDescription})"),
            (".NET", $"{RuntimeInformation.FrameworkDescription}, SDK {(await RunAsync("dotnet", ["--version"], ct)).Trim()}"),
            ("PostgreSQL", postgres),
            ("SQLite", $"{sqlite} (Microsoft.Data.Sqlite's bundled e_sqlite3)"),
            ("Load", $"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()} (the machine is shared)"),
        ];
    }

    private static async Task<string> RunAsync(string fileName, string[] arguments, CancellationToken ct)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = await process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
