using System.Diagnostics;

namespace StoryMedia.Tests.HostApp;

/// <summary>
/// The host app's npm tools (Redocly CLI, openapi-typescript, openapi-fetch, TypeScript, Node's types, standardwebhooks), installed by ./test.sh into a
/// cache; STORYMEDIA_HOST_TOOLS names the directory holding their node_modules.
/// </summary>
public static class HostTools
{
    public static string Directory => Environment.GetEnvironmentVariable("STORYMEDIA_HOST_TOOLS") is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "storymedia", "host-app-tools-2");

    /// <summary>Runs one of the tools' commands in <paramref name="workingDirectory"/>: its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Directory, "node_modules", ".bin", tool))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Offline and quiet: no telemetry, no update checks.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
