using System.Text.Json;
using System.Text.RegularExpressions;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Videos;

namespace StoryMedia.Narration;

/// <summary>
/// Narration jobs: each chosen scene (every scene unless the start names some) spoken by the configured voice. The audio is
/// recorded against the job and replaces the scenes' narration only when it completes. A start may name the voice (kept in
/// the job's <c>style</c>) and the scenes (<c>scene_ids</c>). Narration may run beside image and video jobs (a video takes
/// the narration of the moment it starts); it declares that it blocks a video's start, since that video would miss it.
/// </summary>
public sealed partial class NarrationJobKind(IReadOnlyList<string>? voices = null) : IJobKind
{
    public const string Kind = "narration";
    public const int MaxVoiceLength = 64;

    public static readonly JobRoutes Paths = new("/api/generate_narration", "/api/clear_narration_job", "/api/narration_jobs");

    public string Name => Kind;

    public string Table => NarrationJobSql.Table;

    public JobRoutes Routes => Paths;

    public string Activity => "Narration";

    public string Changes => "narration";

    public StoryLock StartLock => StoryLock.Shared;

    public IReadOnlyList<JobBlock> Blocks { get; } =
        [new(Kind, VideoJobKind.Kind, "A video speaks the story's narration, and a narration job is replacing it.")];

    public IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string>
    {
        ["audio/mp4"] = ".m4a",
        ["audio/mpeg"] = ".mp3",
        ["audio/aac"] = ".aac",
        ["audio/wav"] = ".wav",
    };

    public string MediaKeysInUse => NarrationJobSql.MediaKeysInUse;

    public string PageModule => "/js/kinds/narration.js";

    public bool ChecksStart => true;

    public bool ChoosesScenes => true;

    /// <summary><c>voice</c>: one the provider has (any name for a remote provider). Its <c>scene_ids</c> are the shared ones (<see cref="SceneChoice"/>).</summary>
    public StartOptions ReadStart(IReadOnlyDictionary<string, JsonElement> members)
    {
        string? voice = null;
        if (members.TryGetValue("voice", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            voice = v.ValueKind == JsonValueKind.String ? v.GetString()!.Trim() : "?";
            if (voice.Length == 0)
            {
                // An empty field on the page: the service's voice.
                voice = null;
            }
            else if (!VoicePattern().IsMatch(voice))
            {
                return StartOptions.Refuse("voice", $"must be a voice's name: letters, digits, '-', '_' or '.', at most {MaxVoiceLength} characters.");
            }
            else if (voices is not null && !voices.Contains(voice))
            {
                return StartOptions.Refuse("voice", $"must be one of the voices this service has: {string.Join(", ", voices)}.");
            }
        }
        return voice is null ? StartOptions.None : new StartOptions(Value: null, Style: voice);
    }

    /// <summary>The story's scenes, when scenes are chosen: its scenes may have changed since the page was loaded.</summary>
    public IReadOnlyList<BatchStatement> StartReads(NewJob request) =>
        request.SceneIds is null ? [] : [new(NarrationJobSql.ScenesOfStory, r => r.GetGuid(r.GetOrdinal("id")), ("story_id", request.StoryId))];

    /// <summary>Chosen scenes must be the story's: the first that is not refuses the start.</summary>
    public StartOutcome.NotReady? CheckStart(NewJob request, StartRows reads)
    {
        if (request.SceneIds is not { } chosen)
        {
            return null;
        }
        var scenes = reads.Of<Guid>(0).ToHashSet();
        foreach (var (scene, i) in chosen.Select((s, i) => (s, i)))
        {
            if (!scenes.Contains(scene))
            {
                return new StartOutcome.NotReady(
                    "A chosen scene is not in this story.",
                    $"scene_ids[{i}] ({scene}) is not a scene of this story; its scenes may have changed since the page was loaded.",
                    new Dictionary<string, object?> { ["scene_id"] = scene });
            }
        }
        return null;
    }

    public IReadOnlyList<BatchStatement> Started(Job job, NewJob request, StartRows reads) =>
        request.SceneIds is not { } scenes
            ? [new(NarrationJobSql.ChooseAllScenes, BatchStatement.NoResultSet, ("job_id", job.Id), ("story_id", job.StoryId))]
            : [.. scenes.Select(scene => new BatchStatement(NarrationJobSql.ChooseScene, BatchStatement.NoResultSet,
                ("job_id", job.Id), ("story_id", job.StoryId), ("scene_id", scene)))];

    public Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken) =>
        scope.ExecuteAsync(NarrationJobSql.PublishSceneAudio, cancellationToken, ("job_id", lease.JobId));

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex VoicePattern();
}
