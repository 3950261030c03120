using StoryMedia.Bench;

// ./bench.sh runs this in Release and writes docs/benchmarks.md; --smoke runs every scenario with tiny sizes and only
// checks that each ends correctly (the test suite does that), printing the page but writing it only with --out, so
// that a smoke run never replaces the published figures; --out writes the page elsewhere. The charts go beside the
// page; a smoke run without --out draws them into a new temporary directory (so the drawing is exercised too) and
// leaves it for whoever reads them.
var smoke = args.Contains("--smoke");
var outIndex = Array.IndexOf(args, "--out");
var root = RepositoryRoot();
var output = outIndex >= 0 && outIndex + 1 < args.Length
    ? Path.GetFullPath(args[outIndex + 1])
    : smoke ? null : Path.Combine(root, "docs", "benchmarks.md");
var sizes = smoke ? BenchSizes.Smoke : BenchSizes.Full;
var charts = output is not null ? Path.GetDirectoryName(output)! : Directory.CreateTempSubdirectory("storymedia-bench-charts-").FullName;

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(smoke ? 3 : 20));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    var report = await new BenchRun(root, sizes, Console.Out).RunAsync(smoke ? "./bench.sh --smoke" : "./bench.sh", cancel.Token);
    var markdown = report.ToMarkdown();
    Console.WriteLine(markdown);
    // The page first: a chart that cannot be drawn must not cost the run's figures.
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, markdown);
        Console.WriteLine($"Wrote {output}");
    }
    Directory.CreateDirectory(charts);
    var drawn = true;
    foreach (var chart in report.ChartsInOrder)
    {
        var path = Path.Combine(charts, chart.FileName);
        try
        {
            chart.Draw(path);
            Console.WriteLine($"Drew {path}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"CHART FAILED: {chart.FileName}: {ex.Message}");
            drawn = false;
        }
    }
    return drawn ? 0 : 1;
}
catch (BenchFailedException failure)
{
    Console.Error.WriteLine($"BENCH FAILED: {failure.Message}");
    return 1;
}

static string RepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "StoryMedia.slnx")))
        {
            return directory.FullName;
        }
    }
    throw new InvalidOperationException("Run the bench from inside the repository (StoryMedia.slnx not found above its binaries).");
}
