using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>The image kind's own statements: scene images made so far by a job, published to the scenes only when it completes.</summary>
internal static class ImageJobSql
{
    public static readonly string RecordSceneImage = $"""
        insert into image_generation_job_scenes (job_id, scene_id, image_key)
        select @job_id, @scene_id, @image_key
         where {JobSql.Held("image_generation_jobs")}
        on conflict (job_id, scene_id) do update set image_key = excluded.image_key
        """;

    public const string SceneImagesOfJob = "select scene_id, image_key from image_generation_job_scenes where job_id = @job_id";

    public const string PublishSceneImages = """
        update scenes
           set image_key = (select js.image_key from image_generation_job_scenes js
                             where js.job_id = @job_id and js.scene_id = scenes.id)
         where id in (select scene_id from image_generation_job_scenes where job_id = @job_id)
        """;

    /// <summary>The scenes' images, and those a processing job has made so far.</summary>
    public const string MediaKeysInUse = """
        select image_key from scenes where image_key is not null
        union select js.image_key from image_generation_job_scenes js
                join image_generation_jobs j on j.id = js.job_id where j.status = 'processing'
        """;
}
