using System.Globalization;

namespace StoryMedia.Bench;

/// <summary>Latency samples in milliseconds and their percentiles (nearest rank).</summary>
public sealed class Latencies
{
    private readonly List<double> samples = [];

    public int Count => samples.Count;

    /// <summary>Every sample in the order taken (the charts draw their distribution).</summary>
    public IReadOnlyList<double> Samples => samples;

    public void AddRange(IEnumerable<double> milliseconds) => samples.AddRange(milliseconds);

    public double Percentile(double p)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }
        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Ms(double value) => string.Create(CultureInfo.InvariantCulture, $"{value:0.0} ms");
}
