using System.Text.Json;
using System.Text.Json.Serialization;

namespace StoryMedia.Jobs;

/// <summary>
/// A job as the API shows it (snake_case on the wire). <see cref="QueuePosition"/>: while the job waits for a worker,
/// an estimate of its place in the fair order (1 = next); null while it runs and once it ended. <see cref="Previews"/>: for a
/// kind that has them (<see cref="IJobKind.PreviewsOfJob"/>), what the job has made so far, not yet published; empty once it ended.
/// </summary>
public sealed record JobView(
    Guid Id,
    string Kind,
    Guid StoryId,
    string Status,
    int Progress,
    string? Error,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset HeartbeatAt,
    int Attempts,
    string? Style,
    string? Instructions,
    int? QueuePosition = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JobPreview>? Previews = null)
{
    public static JobView Of(Job job) => new(
        job.Id, job.Kind, job.StoryId, job.Status, job.Progress, job.Error, job.StartedAt, job.CompletedAt,
        job.CreatedAt, job.HeartbeatAt, job.Attempts, job.Style, job.Instructions);
}

/// <param name="SceneIds">Only these scenes, for a kind that makes media per scene (<see cref="IJobKind.ChoosesScenes"/>); all of them when absent.</param>
/// <param name="SameSeed">Draw each scene with the seed of its current media, where it has one, rather than a new one (<see cref="IJobKind.TakesSameSeed"/>).</param>
/// <param name="WebhookUrl">Where to send the job's events (docs/integration.md); <paramref name="WebhookEvents"/> which ones (default: its end).</param>
public sealed record GenerateRequest(
    string? StoryId, string? Style = null, string? Instructions = null, IReadOnlyList<string>? SceneIds = null, bool? SameSeed = null,
    string? WebhookUrl = null, IReadOnlyList<string?>? WebhookEvents = null)
{
    /// <summary>The body's other members: the kind's own (<see cref="IJobKind.ReadStart"/>).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Members { get; init; }
}

/// <summary>The one 409 of a refusal because of a processing job, as the OpenAPI document describes it (<see cref="JobApi.Conflict"/>).</summary>
public sealed class JobConflictProblem : Microsoft.AspNetCore.Mvc.ProblemDetails
{
    public required JobView Job { get; init; }
}

public sealed record ClearRequest(string? StoryId);

/// <summary>What a clear did: the job it ended, or none when nothing was running.</summary>
public sealed record ClearResponse(bool Cleared, JobView? Job);

/// <summary>A registered kind of job as the page needs it: its name, what it does, its routes and its page module.</summary>
public sealed record JobKindView(string Name, string Activity, JobRoutes Routes, string? PageModule)
{
    public static JobKindView Of(IJobKind kind) => new(kind.Name, kind.Activity, kind.Routes, kind.PageModule);
}
