using System.Globalization;
using System.Text;

namespace StoryMedia.Bench;

/// <summary>One line of the table: a figure, the baseline measured beside it in the same run, and the target.</summary>
public sealed record Figure(string Backend, string Scenario, string Measure, string Value, string Baseline, string Ratio, string Target, bool? Met);

/// <summary>
/// A picture of a scenario: a PNG beside the page (<see cref="FileName"/>, fixed, so a new run replaces it), drawn by
/// <see cref="Draw"/> into the path it is given once the run has succeeded, and shown on the page with its caption.
/// </summary>
public sealed record Chart(string Scenario, string FileName, string Title, string Caption, Action<string> Draw);

/// <summary>docs/benchmarks.md: the machine, the command, the table and a short reading.</summary>
public sealed class Report(string command, BenchSizes sizes)
{
    public List<Figure> Figures { get; } = [];

    public List<string> Reading { get; } = [];

    public List<Chart> Charts { get; } = [];

    /// <summary>The charts in the order of their scenarios (they are added in the order the run reaches them).</summary>
    public IEnumerable<Chart> ChartsInOrder => Charts.OrderBy(c => c.Scenario, StringComparer.Ordinal);

    /// <summary>Raw output behind the reading (commands, query plans), shown verbatim.</summary>
    public List<(string Title, string Text)> Evidence { get; } = [];

    public IReadOnlyList<(string Name, string Value)> Machine { get; set; } = [];

    public string Settings { get; set; } = "";

    public static string Ratio(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.00}×");

    public static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:+0.0;-0.0} %");

    public static string Share(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:0} %");

    public static string Number(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks");
        md.AppendLine();
        md.AppendLine("Written by `./bench.sh` (bench/StoryMedia.Bench); rerun it to refresh this page. Every figure stands beside a baseline");
        md.AppendLine("measured in the same run on the same machine: the machine is shared and noisy, so read the ratios; absolute");
        md.AppendLine("times are context only.");
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        foreach (var (name, value) in Machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{name}**: {value}");
        }
        md.AppendLine();
        md.AppendLine("## Command");
        md.AppendLine();
        md.AppendLine("```bash");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Sizes: `{sizes.Name}`. {Settings}");
        md.AppendLine();
        md.AppendLine("## Figures");
        md.AppendLine();
        md.AppendLine("| backend | scenario | measure | value | baseline (same run) | ratio | target | met |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var f in Figures)
        {
            var met = f.Met switch { true => "yes", false => "**no**", null => "" };
            md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Backend} | {f.Scenario} | {f.Measure} | {f.Value} | {f.Baseline} | {f.Ratio} | {f.Target} | {met} |");
        }
        md.AppendLine();
        if (Charts.Count > 0)
        {
            md.AppendLine("## Charts");
            md.AppendLine();
            foreach (var chart in ChartsInOrder)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"![{chart.Title}]({chart.FileName})");
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"*{chart.Caption}*");
                md.AppendLine();
            }
        }
        md.AppendLine("## Reading");
        md.AppendLine();
        foreach (var paragraph in Reading)
        {
            md.AppendLine(paragraph);
            md.AppendLine();
        }
        if (Evidence.Count > 0)
        {
            md.AppendLine("## Evidence");
            md.AppendLine();
            foreach (var (title, text) in Evidence)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
                md.AppendLine();
                md.AppendLine("```");
                md.AppendLine(text);
                md.AppendLine("```");
                md.AppendLine();
            }
        }
        return md.ToString().TrimEnd() + Environment.NewLine;
    }
}
