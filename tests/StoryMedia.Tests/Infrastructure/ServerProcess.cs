using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// The built server (StoryMedia.Server.dll) as a real child process, configured through environment variables,
/// on a free loopback port: for what needs a process of its own — SIGTERM, kill -9, the command-line verbs.
/// A small shell wrapper kills the server when this test process dies, so no server outlives the test run.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    // Keeps fd 3 = our stdin pipe; when it reaches EOF (disposed, or this process died) the server is killed.
    // The watcher writes nowhere, so the wrapper's output ends with the server's; the wrapper exits with the server's exit code.
    private const string Wrapper =
        "exec 3<&0; dotnet \"$0\" \"$@\" </dev/null 3<&- & pid=$!; echo \"server-pid=$pid\"; " +
        "(cat <&3; kill -9 $pid) >/dev/null 2>&1 & wait $pid";

    private readonly Process wrapper;
    private readonly ConcurrentQueue<string> output;

    private ServerProcess(Process wrapper, ConcurrentQueue<string> output, int serverPid, Uri address)
    {
        this.wrapper = wrapper;
        this.output = output;
        Id = serverPid;
        BaseAddress = address;
    }

    /// <summary>The server's process id (as in its worker ids).</summary>
    public int Id { get; }

    public Uri BaseAddress { get; }

    /// <summary>What the server wrote to stdout and stderr so far.</summary>
    public string Output => string.Join(Environment.NewLine, output);

    public bool HasExited => wrapper.HasExited;

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "StoryMedia.Server.dll");

    /// <summary>Starts a server on <paramref name="backend"/> and waits until /health/live answers.</summary>
    public static async Task<ServerProcess> StartAsync(Backend backend, IDictionary<string, string?>? settings = null, string environment = "Production")
    {
        var root = TempDirectory.Create("process");
        var port = FreePort();
        var (process, output) = Launch(Variables(backend, root, environment, settings, port), root, []);
        var pid = await ReadServerPidAsync(process, output);
        var server = new ServerProcess(process, output, pid, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await server.WaitUntilLiveAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command-line verb of the server to its end.</summary>
    public static async Task<CommandResult> RunCommandAsync(
        Backend backend, IReadOnlyList<string> args, string environment = "Production", IDictionary<string, string?>? settings = null)
    {
        var root = TempDirectory.Create("command");
        var start = new ProcessStartInfo("dotnet", [ServerDll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var (key, value) in Variables(backend, root, environment, settings, port: null))
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    public HttpClient Client(Guid? user = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (user is { } id)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(id));
        }
        return client;
    }

    /// <summary>SIGTERM, as a deployment or an orchestrator stops an instance.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGKILL: the instance dies without a chance to clean up.</summary>
    public void Kill() => Signal("KILL");

    /// <summary>Waits for the server to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await wrapper.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Server process {Id} did not exit within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
        return wrapper.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!wrapper.HasExited)
        {
            // Closing our end of the pipe makes the wrapper kill the server.
            wrapper.StandardInput.Close();
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await wrapper.WaitForExitAsync(cancel.Token);
        }
        wrapper.Dispose();
    }

    private static Dictionary<string, string?> Variables(Backend backend, string root, string environment, IDictionary<string, string?>? settings, int? port)
    {
        var variables = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["DOTNET_ENVIRONMENT"] = environment,
            ["ASPNETCORE_URLS"] = port is { } p ? $"http://127.0.0.1:{p}" : null,
            ["Database__Provider"] = backend.Provider,
            ["ConnectionStrings__StoryMedia"] = backend.ConnectionString,
            ["Auth__JwtSecret"] = TestTokens.SecretSettingFor(root, environment),
            ["Media__Path"] = Path.Combine(root, "media"),
            ["Jobs__PollInterval"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in TestSettings.AsEnvironment(TestSettings.NoRateLimits))
        {
            variables[key] = value;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            variables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return variables;
    }

    private static (Process Process, ConcurrentQueue<string> Output) Launch(Dictionary<string, string?> variables, string root, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("sh", ["-c", Wrapper, ServerDll, .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (var (key, value) in variables)
        {
            start.Environment[key] = value;
        }
        var output = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static void Keep(ConcurrentQueue<string> output, string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }

    private static async Task<int> ReadServerPidAsync(Process process, ConcurrentQueue<string> output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (output.FirstOrDefault(l => l.StartsWith("server-pid=", StringComparison.Ordinal)) is { } line)
            {
                return int.Parse(line["server-pid=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
            await Task.Delay(20);
        }
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("The server wrapper did not report the server's process id.");
    }

    private async Task WaitUntilLiveAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (wrapper.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {wrapper.ExitCode} before it answered. Its output:{Environment.NewLine}{Output}");
            }
            try
            {
                using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"The server did not answer /health/live in time. Its output:{Environment.NewLine}{Output}");
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record CommandResult(int ExitCode, string StdOut, string StdErr);
