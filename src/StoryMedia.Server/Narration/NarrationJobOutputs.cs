using StoryMedia.Jobs;

namespace StoryMedia.Narration;

/// <summary>The scenes a narration job speaks (chosen when it started), and each one's audio as it is made (a fenced write).</summary>
public sealed class NarrationJobOutputs(JobStore jobs)
{
    /// <summary>The record of a scene's audio, for the executor to send with the progress report it makes.</summary>
    public static FencedWrite SceneAudio(Guid sceneId, string audioKey, double seconds) =>
        new(NarrationJobSql.RecordSceneAudio, ("scene_id", sceneId), ("audio_key", audioKey), ("audio_seconds", seconds));

    /// <summary>The job's scenes in order, with the audio earlier attempts already made, so a resumed job skips them.</summary>
    public async Task<IReadOnlyList<NarratedScene>> ScenesAsync(Guid jobId, CancellationToken cancellationToken) =>
        await jobs.Database.ReadAsWorkerAsync(NarrationJobSql.ScenesOfJob, r => new NarratedScene(
            r.GetGuid(r.GetOrdinal("scene_id")), r.GetInt32(r.GetOrdinal("position")), r.GetString(r.GetOrdinal("text")),
            r.IsDBNull(r.GetOrdinal("audio_key")) ? null : r.GetString(r.GetOrdinal("audio_key")),
            r.IsDBNull(r.GetOrdinal("audio_seconds")) ? null : r.GetDouble(r.GetOrdinal("audio_seconds"))), cancellationToken, ("job_id", jobId));
}

public sealed record NarratedScene(Guid SceneId, int Position, string Text, string? AudioKey, double? AudioSeconds);
