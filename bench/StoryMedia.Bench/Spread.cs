namespace StoryMedia.Bench;

/// <summary>
/// Repeated measurements of one quantity: the median is the figure, the quartiles and the extremes say how far single
/// runs on a shared machine stray from it. Quartiles interpolate between ranks (as spreadsheets do).
/// </summary>
public sealed record Spread(IReadOnlyList<double> Values)
{
    public double Median => Quantile(0.5);

    public double LowerQuartile => Quantile(0.25);

    public double UpperQuartile => Quantile(0.75);

    public double Min => Values.Min();

    public double Max => Values.Max();

    public static Spread Of(IEnumerable<double> values) => new([.. values]);

    /// <summary>"1.2 (IQR 0.8 to 1.9, min −0.4, max 3.0, 9 runs)" in <paramref name="format"/>; <paramref name="of"/> names what was repeated.</summary>
    public string Describe(string format = "0.0", string of = "runs") =>
        $"{Report.Number(Median, format)} (IQR {Report.Number(LowerQuartile, format)} to {Report.Number(UpperQuartile, format)}, " +
        $"min {Report.Number(Min, format)}, max {Report.Number(Max, format)}, {Values.Count} {of})";

    private double Quantile(double q)
    {
        var sorted = Values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
