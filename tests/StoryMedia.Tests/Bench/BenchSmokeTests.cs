using System.Text.RegularExpressions;
using SkiaSharp;
using StoryMedia.Tests.Docs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Bench;

/// <summary>The benchmark with tiny sizes, run as the README gives it, so that ./bench.sh cannot rot. No time is asserted.</summary>
[Collection(RepositoryBuildsCollection.Name)]
public sealed class BenchSmokeTests
{
    /// <summary>The charts a run draws beside the page (docs/ in a full run) and embeds in it.</summary>
    private static readonly string[] Charts =
    [
        "bench-contention-postgresql.png", "bench-contention-sqlite.png", "bench-pipeline.png", "bench-recovery.png", "bench-fairness.png",
    ];

    [Fact]
    public async Task The_benchmark_runs_every_scenario_to_the_end_and_the_guard_lets_exactly_one_start_win()
    {
        var published = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "benchmarks.md"));

        // As the README gives it, from the repository root: it builds Release (already built by ./test.sh) and prints the page.
        await using var bench = ShellScript.Start(DocumentedCommands.Command("./bench.sh --smoke").Text, Repository.Root);
        var exitCode = await bench.WaitForExitAsync(TimeSpan.FromMinutes(5));

        var markdown = bench.Output;
        Assert.True(exitCode == 0, $"The bench exited with {exitCode}:{Environment.NewLine}{markdown}");
        foreach (var backend in new[] { "PostgreSQL", "SQLite" })
        {
            Assert.Matches($@"\| {backend} \| 1 contention \([12] instances?\) \| winners per round of 20 simultaneous starts on one story \| 1 \|", markdown);
            Assert.Contains($"| {backend} | 2 start throughput | JobStore.StartAsync", markdown, StringComparison.Ordinal);
            Assert.Contains($"| {backend} | 3 pipeline | 3-scene image job", markdown, StringComparison.Ordinal);
        }
        Assert.Contains("| PostgreSQL | 3 pipeline, S3 store | 3-scene image job with media in s3rver", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 5 video | 2-scene video", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 5 video | 3-scene video", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 6 fairness (1 worker) | user B's 2-scene job", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 6 fairness (claims) | JobStore.ClaimAsync", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 7 webhooks | deliveries per second", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 4 recovery | kill -9", markdown, StringComparison.Ordinal);
        Assert.Contains("| PostgreSQL | 4 recovery | silent job", markdown, StringComparison.Ordinal);
        // A smoke run leaves the published figures alone.
        Assert.Equal(published, await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "benchmarks.md")));
        AssertChartsDrawn(markdown);
    }

    /// <summary>Every chart is a PNG of 800 × 400 that SkiaSharp decodes, outside docs/, and the page embeds it.</summary>
    private static void AssertChartsDrawn(string output)
    {
        var drawn = Regex.Matches(output, @"^Drew (/\S+\.png)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        try
        {
            Assert.Equal(Charts.Order(), drawn.Select(Path.GetFileName).Order());
            foreach (var path in drawn)
            {
                Assert.StartsWith("storymedia-bench-charts-", Path.GetFileName(Path.GetDirectoryName(path)), StringComparison.Ordinal);
                using var codec = SKCodec.Create(path);
                Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
                using var bitmap = SKBitmap.Decode(codec);
                Assert.Equal((800, 400), (bitmap.Width, bitmap.Height));
                Assert.Contains($"]({Path.GetFileName(path)})", output, StringComparison.Ordinal);
            }
        }
        finally
        {
            // A smoke run without --out leaves its charts in a temporary directory for whoever runs it by hand.
            foreach (var directory in drawn.Select(Path.GetDirectoryName).Distinct().Where(d => Path.GetFileName(d)!.StartsWith("storymedia-bench-charts-", StringComparison.Ordinal)))
            {
                Directory.Delete(directory!, recursive: true);
            }
        }
    }
}
