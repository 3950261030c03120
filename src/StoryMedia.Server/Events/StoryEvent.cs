using System.Text.Json;
using StoryMedia.Jobs;

namespace StoryMedia.Events;

/// <summary>
/// The one event vocabulary (docs/events.md): the story stream, the job streams and the webhooks all speak it.
/// A job event's data is the job as the API shows it; <see cref="StoryChanged"/>'s says what changed.
/// </summary>
public static class StoryEventTypes
{
    public const string Started = "started";
    public const string Progress = "progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cleared = "cleared";
    public const string StoryChanged = "story_changed";

    public static readonly IReadOnlyList<string> JobEvents = [Started, Progress, Completed, Failed, Cleared];
}

/// <summary>One change of a story, as it is appended to the log; <see cref="Data"/> is JSON.</summary>
public sealed record StoryEvent(Guid StoryId, Guid UserId, string Type, string? JobKind, Guid? JobId, string Data)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>A job's change; its data is the job as the API shows it.</summary>
    public static StoryEvent OfJob(string type, Job job) =>
        new(job.StoryId, job.UserId, type, job.Kind, job.Id, JsonSerializer.Serialize(JobView.Of(job), Json));

    /// <summary>The story's own media or scenes changed (<paramref name="what"/>: images, video, narration, scenes).</summary>
    public static StoryEvent Changed(Guid storyId, Guid userId, string what, Job? by = null) =>
        new(storyId, userId, StoryEventTypes.StoryChanged, by?.Kind, by?.Id, JsonSerializer.Serialize(new { what }, Json));
}

/// <summary>An event as a reader gets it back: its place in the story's log and when it was appended.</summary>
public sealed record LoggedStoryEvent(long Seq, string Type, string? JobKind, Guid? JobId, string Data, DateTimeOffset CreatedAt);
