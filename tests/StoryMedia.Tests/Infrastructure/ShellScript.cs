using System.Collections.Concurrent;
using System.Diagnostics;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// A bash script as a user runs it, e.g. a block of commands from the docs: its own process group (setsid), so the
/// script and everything it starts (dotnet run, the server, curl) are stopped together when this is disposed, or
/// when the test process dies, because a watcher in the group kills it once our end of its stdin pipe closes.
/// </summary>
public sealed class ShellScript : IAsyncDisposable
{
    // fd 3 is the pipe from this process; the script itself gets /dev/null as its input.
    private const string Wrapper =
        "exec 3<&0; (cat <&3; kill -KILL -- -$$) </dev/null >/dev/null 2>&1 & bash -c \"$1\" </dev/null 3<&-";

    /// <summary>
    /// So that a documented `dotnet run` or `dotnet build` leaves no build server behind in the group, where the kill
    /// would stop it while another build might be using it. They change how a build runs, not what it makes.
    /// </summary>
    private static readonly Dictionary<string, string?> NoBuildServers = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
        ["UseRazorBuildServer"] = "false",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private readonly Process process;
    private readonly ConcurrentQueue<string> output;

    private ShellScript(Process process, ConcurrentQueue<string> output)
    {
        this.process = process;
        this.output = output;
    }

    /// <summary>What the script wrote to stdout and stderr so far, line by line as it arrived.</summary>
    public string Output => string.Join(Environment.NewLine, output);

    public bool HasExited => process.HasExited;

    public static ShellScript Start(string script, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("setsid", ["--wait", "bash", "-c", Wrapper, "docs-script", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (key, value) in NoBuildServers.Concat(environment ?? new Dictionary<string, string?>()))
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
        return new ShellScript(process, output);
    }

    /// <summary>
    /// Waits for the script to end and its output to be read to the end, and returns its exit code; fails the test, with the
    /// output, after <paramref name="timeout"/>.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The script did not end within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
        return process.ExitCode;
    }

    /// <summary>Waits until <paramref name="address"/> answers 200; fails with the script's output if it ends first or takes too long.</summary>
    public async Task WaitUntilAnswersAsync(Uri address, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(process.HasExited, $"The script ended (exit code {(process.HasExited ? process.ExitCode : 0)}) before {address} answered. Its output:{Environment.NewLine}{Output}");
            try
            {
                using var response = await client.GetAsync(address);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Building or starting.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"{address} did not answer within {timeout}. The script's output:{Environment.NewLine}{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        // Closing our end of the pipe makes the watcher kill the whole group.
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(cancel.Token);
        process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> output, string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }
}
