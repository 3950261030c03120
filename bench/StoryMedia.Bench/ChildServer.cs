using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StoryMedia.Bench;

/// <summary>
/// One StoryMedia server as a real child process (<c>dotnet StoryMedia.Server.dll</c>), configured through environment
/// variables, listening on a free loopback port.
/// </summary>
public sealed class ChildServer : IAsyncDisposable
{
    // The shell holds the server and kills it when its stdin closes: on dispose, or when the bench dies for any reason.
    private const string Script = "dotnet \"$0\" >\"$1\" 2>&1 </dev/null & echo $!; cat >/dev/null; kill -9 $! 2>/dev/null; wait";

    private readonly Process shell;

    private ChildServer(string name, Process shell, int pid, Uri address, string logFile)
    {
        Name = name;
        this.shell = shell;
        Pid = pid;
        Address = address;
        LogFile = logFile;
    }

    public string Name { get; }

    /// <summary>The server's own process id, which it writes into the worker ids of the jobs it claims.</summary>
    public int Pid { get; }

    public Uri Address { get; }

    public string LogFile { get; }

    public static async Task<ChildServer> StartAsync(string name, string serverDll, string workDirectory, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var logFile = Path.Combine(workDirectory, $"{name}.log");
        var start = new ProcessStartInfo("sh", ["-c", Script, serverDll, logFile])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        start.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var shell = Process.Start(start) ?? throw new InvalidOperationException("Could not start sh.");
        var pid = int.Parse(await shell.StandardOutput.ReadLineAsync(ct) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var server = new ChildServer(name, shell, pid, address, logFile);
        try
        {
            await server.WaitUntilReadyAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no lease handed back, exactly like a crashed machine.</summary>
    public void KillHard()
    {
        using var process = Process.GetProcessById(Pid);
        process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        shell.StandardInput.Close();
        await shell.WaitForExitAsync();
        shell.Dispose();
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // Any answer from the authenticated API (401 without a token) means the app is up and migrated.
                using var response = await http.GetAsync("/api/stories", ct);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // Not listening yet, or too slow to answer on a busy machine: ask again.
            }
            if (shell.HasExited || !Directory.Exists($"/proc/{Pid}") || deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile, ct) : "";
                throw new InvalidOperationException($"Server {Name} did not come up on {Address}. Its log:{Environment.NewLine}{log}");
            }
            await Task.Delay(100, ct);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
