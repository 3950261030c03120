using StoryMedia.Jobs;

namespace StoryMedia.Videos;

/// <summary>
/// The video kind's own statements: the scenes' images as they were when the job started, and the video it made, which
/// replaces the story's video only when the job completes.
/// </summary>
internal static class VideoJobSql
{
    public const string ScenesWithoutImage =
        "select position from scenes where story_id = @story_id and image_key is null order by position";

    /// <summary>Scenes without narration of their current text (none, or of a text since edited).</summary>
    public const string ScenesWithoutNarration =
        "select position from scenes where story_id = @story_id and (audio_key is null or audio_text is null or audio_text <> text) order by position";

    /// <summary>The images, texts and current narration (an out-of-date one is left out) as they are when the job starts.</summary>
    public const string SnapshotSceneImages = """
        insert into video_generation_job_scenes (job_id, scene_id, position, image_key, text, audio_key, audio_seconds)
        select @job_id, id, position, image_key, text,
               case when audio_text = text then audio_key end, case when audio_text = text then audio_seconds end
          from scenes where story_id = @story_id
        """;

    public const string SceneImagesOfJob =
        "select position, image_key, text, audio_key, audio_seconds from video_generation_job_scenes where job_id = @job_id order by position";

    public const string RecordVideo = "update video_generation_jobs set video_key = @video_key, subtitles_key = @subtitles_key where " + JobSql.Fence;

    public const string VideoOfJob = "select video_key from video_generation_jobs where id = @job_id";

    public const string PublishVideo = """
        update stories
           set video_key = (select video_key from video_generation_jobs where id = @job_id),
               subtitles_key = (select subtitles_key from video_generation_jobs where id = @job_id)
         where id = (select story_id from video_generation_jobs where id = @job_id and video_key is not null)
        """;

    /// <summary>The stories' videos and subtitles, and what a processing job still uses: its copy of the scenes' images and narration, its finished files.</summary>
    public const string MediaKeysInUse = """
        select video_key from stories where video_key is not null
        union select subtitles_key from stories where subtitles_key is not null
        union select vs.image_key from video_generation_job_scenes vs
                join video_generation_jobs j on j.id = vs.job_id where j.status = 'processing'
        union select vs.audio_key from video_generation_job_scenes vs
                join video_generation_jobs j on j.id = vs.job_id where j.status = 'processing' and vs.audio_key is not null
        union select video_key from video_generation_jobs where status = 'processing' and video_key is not null
        union select subtitles_key from video_generation_jobs where status = 'processing' and subtitles_key is not null
        """;
}
