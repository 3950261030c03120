using StoryMedia.Events;

namespace StoryMedia.Webhooks;

/// <summary>The events a webhook can carry: those of the story change log (docs/events.md) that report a job.</summary>
public static class WebhookEvents
{
    /// <summary>started, progress, completed, failed, cleared.</summary>
    public static readonly IReadOnlyList<string> All = StoryEventTypes.JobEvents;

    /// <summary>A job's end, whichever way it ends: what a subscription gets unless it names its events.</summary>
    public static readonly IReadOnlyList<string> Default = [StoryEventTypes.Completed, StoryEventTypes.Failed, StoryEventTypes.Cleared];

    public static string Names => string.Join(", ", All);

    public static IReadOnlyList<string> Unknown(IEnumerable<string?> names) =>
        [.. names.Where(n => n is null || !All.Contains(n, StringComparer.Ordinal)).Select(n => n ?? "null").Distinct(StringComparer.Ordinal)];

    /// <summary>The payload's <c>type</c>: <c>image_job.completed</c>.</summary>
    public static string Type(string kind, string eventName) => $"{kind}_job.{eventName}";

    /// <summary>Events kept as one text column, so that both databases match an event with one <c>like</c>.</summary>
    public static string Store(IEnumerable<string> events) => string.Join(',', events);

    public static string Pattern(string eventName) => $"%,{eventName},%";
}
