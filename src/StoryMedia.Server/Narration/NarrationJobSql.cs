using StoryMedia.Jobs;

namespace StoryMedia.Narration;

/// <summary>
/// The narration kind's own statements: the scenes a job speaks and their text, taken when it starts; each scene's audio,
/// recorded by a fenced write; the scenes' narration replaced only when the job completes.
/// </summary>
internal static class NarrationJobSql
{
    public const string Table = "narration_generation_jobs";

    public const string ScenesOfStory = "select id from scenes where story_id = @story_id";

    public const string ChooseAllScenes = """
        insert into narration_generation_job_scenes (job_id, scene_id, position, text)
        select @job_id, id, position, text from scenes where story_id = @story_id
        """;

    public const string ChooseScene = """
        insert into narration_generation_job_scenes (job_id, scene_id, position, text)
        select @job_id, id, position, text from scenes where story_id = @story_id and id = @scene_id
        """;

    public const string ScenesOfJob =
        "select scene_id, position, text, audio_key, audio_seconds from narration_generation_job_scenes where job_id = @job_id order by position";

    /// <summary>A scene's audio; sent with the progress report it makes (<see cref="FencedWrite"/>).</summary>
    public static readonly string RecordSceneAudio = $"""
        update narration_generation_job_scenes
           set audio_key = @audio_key, audio_seconds = @audio_seconds
         where job_id = @job_id and scene_id = @scene_id and {JobSql.Held(Table)}
        returning scene_id
        """;

    /// <summary>Each spoken scene gets its audio, its length and the text it speaks (which tells a later edit from it).</summary>
    public const string PublishSceneAudio = """
        update scenes
           set audio_key = (select js.audio_key from narration_generation_job_scenes js where js.job_id = @job_id and js.scene_id = scenes.id),
               audio_seconds = (select js.audio_seconds from narration_generation_job_scenes js where js.job_id = @job_id and js.scene_id = scenes.id),
               audio_text = (select js.text from narration_generation_job_scenes js where js.job_id = @job_id and js.scene_id = scenes.id)
         where id in (select scene_id from narration_generation_job_scenes where job_id = @job_id and audio_key is not null)
        """;

    /// <summary>The scenes' narration, and what a processing job has spoken so far.</summary>
    public const string MediaKeysInUse = """
        select audio_key from scenes where audio_key is not null
        union select js.audio_key from narration_generation_job_scenes js
                join narration_generation_jobs j on j.id = js.job_id where j.status = 'processing' and js.audio_key is not null
        """;
}
