using ScottPlot;
using ScottPlot.TickGenerators;

namespace StoryMedia.Bench;

/// <summary>
/// The pictures of docs/benchmarks.md, drawn with ScottPlot into PNGs of <see cref="Width"/> × <see cref="Height"/>:
/// one method per chart, each from what its scenario measured.
/// </summary>
public static class Charts
{
    public const int Width = 800;
    public const int Height = 400;

    private static readonly Color First = new ScottPlot.Palettes.Category10().GetColor(0);
    private static readonly Color Second = new ScottPlot.Palettes.Category10().GetColor(1);
    private static readonly Color Third = new ScottPlot.Palettes.Category10().GetColor(2);
    private static readonly Color Mark = new ScottPlot.Palettes.Category10().GetColor(3);

    /// <summary>Scenario 1: the share of GETs and of 409s answered within each latency, p50 and p99 marked.</summary>
    public static void ContentionLatencies(string path, string backend, string instances, Contention.Result result)
    {
        using var plot = new Plot();
        var slowest = Math.Max(result.Reads.Samples.Max(), result.Conflicts.Samples.Max());
        var readsFaster = result.Reads.Percentile(50) <= result.Conflicts.Percentile(50);
        Distribution(plot, result.Reads, "GET /api/stories/{id}", First, slowest, labelsLeft: readsFaster);
        Distribution(plot, result.Conflicts, "409 of POST /api/generate_images", Second, slowest, labelsLeft: !readsFaster);
        plot.Title($"Contention on {backend} ({instances}): {result.Rounds} burst{(result.Rounds == 1 ? "" : "s")} of {result.Requests} simultaneous requests");
        plot.XLabel("latency (ms)");
        plot.YLabel("answered within (% of requests)");
        plot.Axes.SetLimits(0, slowest * 1.05, 0, 105);
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// The cumulative distribution of <paramref name="latencies"/> as a step line, p50 and p99 marked and labelled on
    /// the side given (the faster series' labels left of its points, the slower's right), or left where the chart ends.
    /// </summary>
    private static void Distribution(Plot plot, Latencies latencies, string what, Color color, double slowest, bool labelsLeft)
    {
        var sorted = latencies.Samples.Order().ToArray();
        var shares = Enumerable.Range(1, sorted.Length).Select(i => 100.0 * i / sorted.Length).ToArray();
        var line = plot.Add.ScatterLine(sorted, shares, color);
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.LineWidth = 2;
        line.LegendText = $"{what}: p50 {Latencies.Ms(latencies.Percentile(50))}, p99 {Latencies.Ms(latencies.Percentile(99))} ({latencies.Count} answers)";
        foreach (var p in new[] { 50, 99 })
        {
            var x = latencies.Percentile(p);
            plot.Add.Marker(x, p, MarkerShape.FilledCircle, 9, color);
            var label = plot.Add.Text($"p{p}", x, p);
            label.LabelFontColor = color;
            label.LabelFontSize = 13;
            label.LabelBold = true;
            var left = labelsLeft || x > slowest * 0.85;
            label.LabelAlignment = left ? Alignment.LowerRight : Alignment.UpperLeft;
            label.OffsetX = left ? -6 : 6;
        }
    }

    /// <summary>Scenario 3: per interleaved pair, what the job added per scene to the plain loop, one series per backend, medians dashed.</summary>
    public static void PipelineOverheads(string path, IReadOnlyList<(string Label, Pipeline.Result Result)> pipelines, double targetMs)
    {
        using var plot = new Plot();
        Color[] colors = [First, Second, Third];
        var pairs = 0;
        foreach (var (((label, result), color), index) in pipelines.Zip(colors).Select((p, i) => (p, i)))
        {
            var overhead = result.OverheadMs;
            // Each series a little to the side of the pair's tick, so that equal values do not hide each other.
            var shift = (index - ((pipelines.Count - 1) / 2.0)) * 0.12;
            var xs = Enumerable.Range(1, overhead.Values.Count).Select(i => i + shift).ToArray();
            var series = plot.Add.ScatterPoints(xs, overhead.Values.ToArray(), color);
            series.MarkerSize = 9;
            series.LegendText = $"{label}: median {Report.Number(overhead.Median, "0.0")} ms";
            var median = plot.Add.HorizontalLine(overhead.Median, 1.5f, color, LinePattern.Dashed);
            median.ExcludeFromLegend = true;
            pairs = Math.Max(pairs, xs.Length);
        }
        var target = plot.Add.HorizontalLine(targetMs, 2, Mark, LinePattern.Dotted);
        target.LegendText = $"target: ≤ {Report.Number(targetMs)} ms per scene";
        plot.Add.HorizontalLine(0, 1, Colors.Gray).ExcludeFromLegend = true;
        var scenes = pipelines.Count > 0 ? pipelines[0].Result.Scenes : 0;
        plot.Title($"Pipeline: what a {scenes}-scene image job adds per scene to the plain render loop");
        plot.XLabel("interleaved pair of runs (job and loop)");
        plot.YLabel("job − loop, per scene (ms)");
        var ticks = new NumericManual();
        for (var pair = 1; pair <= pairs; pair++)
        {
            ticks.AddMajor(pair, pair.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(0.5, pairs + 0.5);
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// Scenario 6: one row per job, a thin bar while it waits (start → claim) and a thick one while the worker runs it
    /// (claim → completion), coloured by user; B's start is time zero.
    /// </summary>
    public static void FairnessTimeline(string path, IReadOnlyList<JobHistory> userA, JobHistory userB)
    {
        using var plot = new Plot();
        var zero = userB.CreatedAt;
        var rows = userA.Select((job, i) => (Job: job, Label: $"A's job {i + 1}", User: "A")).Append((Job: userB, Label: "B's job", User: "B")).ToList();
        var waiting = new List<Bar>();
        var running = new Dictionary<string, List<Bar>> { ["A"] = [], ["B"] = [] };
        var ticks = new NumericManual();
        for (var i = 0; i < rows.Count; i++)
        {
            var (job, label, user) = rows[i];
            var y = rows.Count - i;
            var claimed = job.ClaimedAt(1);
            waiting.Add(Span(y, job.CreatedAt, claimed, zero, 0.15));
            running[user].Add(Span(y, claimed, job.Ended, zero, 0.6));
            ticks.AddMajor(y, label);
        }
        var wait = plot.Add.Bars(waiting);
        wait.Horizontal = true;
        wait.Color = Colors.Gray.WithAlpha(0.6);
        wait.LegendText = "waiting (start → claim)";
        foreach (var (user, color) in new[] { ("A", First), ("B", Second) })
        {
            var bars = plot.Add.Bars(running[user]);
            bars.Horizontal = true;
            bars.Color = color;
            bars.LegendText = $"user {user}'s job running (claim → completed)";
        }
        var start = plot.Add.VerticalLine(0, 2, Mark, LinePattern.Dashed);
        start.LegendText = "B starts its job";
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(0.3, rows.Count + 0.7);
        plot.Title("Fairness: one worker's jobs over time, user A's backlog and user B's one job");
        plot.XLabel("seconds since B's start");
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// Scenario 4: the job on the instance that is killed, then on the one that takes it over, on a time axis from
    /// the kill; the dead worker's last heartbeat, the lease that ran from it, and each progress event marked.
    /// </summary>
    public static void RecoveryTimeline(string path, Recovery.Takeover takeover, TimeSpan leaseDuration)
    {
        using var plot = new Plot();
        var zero = takeover.KilledAt;
        double At(DateTimeOffset instant) => (instant - zero).TotalSeconds;
        var lease = plot.Add.HorizontalSpan(At(takeover.LastHeartbeat), At(takeover.LeaseEnd), Mark.WithAlpha(0.12));
        lease.LegendText = $"lease: {Report.Number(leaseDuration.TotalSeconds, "0.0")} s from the last heartbeat";
        var killed = plot.Add.Bars(new List<Bar> { Span(2, takeover.Job.ClaimedAt(takeover.KilledAttempt), takeover.KilledAt, zero, 0.5) });
        killed.Horizontal = true;
        killed.Color = First;
        killed.LegendText = $"attempt {takeover.KilledAttempt} (claim → kill)";
        var resumed = plot.Add.Bars(new List<Bar> { Span(1, takeover.Job.ClaimedAt(takeover.TakerAttempt), takeover.Job.Ended, zero, 0.5) });
        resumed.Horizontal = true;
        resumed.Color = Third;
        resumed.LegendText = $"attempt {takeover.TakerAttempt} (takeover claim → completed)";
        var steps = takeover.Job.Steps.Where(s => s.Attempt == takeover.KilledAttempt || s.Attempt == takeover.TakerAttempt).ToList();
        var progress = plot.Add.Markers(steps.Select(s => At(s.At)).ToArray(), steps.Select(s => s.Attempt == takeover.KilledAttempt ? 2.0 : 1.0).ToArray(), MarkerShape.FilledDiamond, 8, Colors.Black);
        progress.LegendText = "progress event (claim, a scene done)";
        var heartbeat = plot.Add.VerticalLine(At(takeover.LastHeartbeat), 1.5f, Colors.DimGray, LinePattern.Dashed);
        heartbeat.LegendText = "last heartbeat of the killed worker";
        var kill = plot.Add.VerticalLine(0, 2, Mark);
        kill.LegendText = $"kill -9 (takeover {Report.Number(takeover.Seconds, "0.00")} s later)";
        var ticks = new NumericManual();
        ticks.AddMajor(2, $"killed instance\n(pid {takeover.KilledPid})");
        ticks.AddMajor(1, $"other instance\n(pid {takeover.TakerPid})");
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(0.4, 3.2);
        plot.Title("Recovery: kill -9 of the instance running a job, and the takeover");
        plot.XLabel("seconds since kill -9");
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>A horizontal bar on row <paramref name="y"/> from <paramref name="from"/> to <paramref name="to"/>, in seconds since <paramref name="zero"/>.</summary>
    private static Bar Span(double y, DateTimeOffset from, DateTimeOffset to, DateTimeOffset zero, double thickness) => new()
    {
        Position = y,
        ValueBase = (from - zero).TotalSeconds,
        Value = (to - zero).TotalSeconds,
        Size = thickness,
    };
}
