using System.Diagnostics;
using System.Reflection;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Bench;

/// <summary>The benchmark with tiny sizes, as its own process, so that ./bench.sh cannot rot. No time is asserted.</summary>
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task The_benchmark_runs_every_scenario_to_the_end_and_the_guard_lets_exactly_one_start_win()
    {
        var page = Path.Combine(TempDirectory.Create("bench"), "benchmarks.md");

        var (exitCode, output) = await RunBenchAsync("--smoke", "--out", page);

        Assert.True(exitCode == 0, $"The bench exited with {exitCode}:{Environment.NewLine}{output}");
        var markdown = await File.ReadAllTextAsync(page);
        foreach (var backend in new[] { "PostgreSQL", "SQLite" })
        {
            Assert.Matches($@"\| {backend} \| 1 contention \([12] instances?\) \| winners per round of 20 simultaneous starts on one story \| 1 \|", markdown);
            Assert.Contains($"| {backend} | 2 start throughput | JobStore.StartAsync", markdown, StringComparison.Ordinal);
            Assert.Contains($"| {backend} | 3 pipeline | 3-scene job", markdown, StringComparison.Ordinal);
        }
        Assert.Contains("| PostgreSQL | 4 recovery | kill -9", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 4 recovery | silent job", markdown, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunBenchAsync(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [BenchDll(), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The bench built beside this test assembly, in the same configuration (the project reference builds it).</summary>
    private static string BenchDll()
    {
        var configuration = typeof(BenchSmokeTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StoryMedia.slnx")))
            {
                return Path.Combine(directory.FullName, "bench", "StoryMedia.Bench", "bin", configuration, "net10.0", "StoryMedia.Bench.dll");
            }
        }
        throw new InvalidOperationException("StoryMedia.slnx not found above the test binaries.");
    }
}
