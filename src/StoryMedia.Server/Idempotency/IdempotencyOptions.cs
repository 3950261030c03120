using StoryMedia.Operations;

namespace StoryMedia.Idempotency;

/// <summary>The <c>Idempotency</c> configuration section.</summary>
public sealed class IdempotencyOptions : IExplainedOptions
{
    /// <summary>How long a start's answer is kept for a retry with the same Idempotency-Key.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A start still unanswered after this long is taken to have died with its instance: the next retry with its key runs
    /// it again. Longer than any request lives (Limits:RequestTimeout).
    /// </summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a duplicate that arrived while the first was in flight looks for its answer.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { Window.Ticks: <= 0 } => "Idempotency:Window must be positive.",
            _ when InFlightTimeout <= TimeSpan.Zero || InFlightTimeout > Window => "Idempotency:InFlightTimeout must be positive and at most Idempotency:Window.",
            { PollInterval.Ticks: <= 0 } => "Idempotency:PollInterval must be positive.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
