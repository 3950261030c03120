using StoryMedia.Jobs;

namespace StoryMedia.Images;

/// <summary>
/// The image kind's own statements: the scenes a job makes and their seeds (its plan, written when it starts), the
/// images made so far with how each was made, published to the scenes only when it completes.
/// </summary>
public static class ImageJobSql
{
    /// <summary>The story's scenes with the seed of each one's current image, if its provenance has one; in the start's transaction.</summary>
    public const string ScenesWithSeeds = """
        select sc.id, sc.position,
               (select js.seed from image_generation_job_scenes js
                 where js.scene_id = sc.id and js.image_key = sc.image_key and js.seed is not null
                 limit 1) as seed
          from scenes sc
         where sc.story_id = @story_id
         order by sc.position
        """;

    public const string PlanScene = "insert into image_generation_job_plans (job_id, scene_id, seed) values (@job_id, @scene_id, @seed) returning scene_id";

    public const string PlanOfJob = "select scene_id, seed, called_attempt from image_generation_job_plans where job_id = @job_id";

    /// <summary>Written before a paid provider is asked for the scene: a later attempt then knows the call may have been billed.</summary>
    public static readonly string MarkCalled = $"""
        update image_generation_job_plans
           set called_attempt = @attempt
         where job_id = @job_id and scene_id = @scene_id and {JobSql.Held("image_generation_jobs")}
        """;

    /// <summary>A scene's image and how it was made; sent with the progress report it makes (<see cref="FencedWrite"/>).</summary>
    public static readonly string RecordSceneImage = $"""
        insert into image_generation_job_scenes
               (job_id, scene_id, image_key, provider, model, size, seed, prompt, request_id, duration_ms, provider_attempts, made_at, billing_note)
        select @job_id, @scene_id, @image_key, @provider, @model, @size, @seed, @prompt, @request_id, @duration_ms, @provider_attempts, @made_at, @billing_note
         where {JobSql.Held("image_generation_jobs")}
        on conflict (job_id, scene_id) do update
           set image_key = excluded.image_key, provider = excluded.provider, model = excluded.model, size = excluded.size,
               seed = excluded.seed, prompt = excluded.prompt, request_id = excluded.request_id, duration_ms = excluded.duration_ms,
               provider_attempts = excluded.provider_attempts, made_at = excluded.made_at, billing_note = excluded.billing_note
        returning scene_id
        """;

    public const string SceneImagesOfJob = "select scene_id, image_key from image_generation_job_scenes where job_id = @job_id";

    public const string PublishSceneImages = """
        update scenes
           set image_key = (select js.image_key from image_generation_job_scenes js
                             where js.job_id = @job_id and js.scene_id = scenes.id)
         where id in (select scene_id from image_generation_job_scenes where job_id = @job_id)
        """;

    /// <summary>How each scene's current image of the user's story was made, where that was recorded.</summary>
    public const string ProvenanceOfStory = """
        select sc.id as scene_id, js.job_id, js.provider, js.model, js.size, js.seed, js.prompt, js.request_id,
               js.duration_ms, js.provider_attempts, js.made_at, js.billing_note
          from scenes sc
          join stories s on s.id = sc.story_id
          join image_generation_job_scenes js on js.scene_id = sc.id and js.image_key = sc.image_key
         where sc.story_id = @story_id and s.user_id = @user_id and js.provider is not null
        """;

    /// <summary>A job of the user's: the scenes it makes (its plan; none for a job started before plans) and the images it has made.</summary>
    public const string ScenesOfJob = """
        select sc.id as scene_id, sc.position, p.seed, js.image_key
          from image_generation_jobs j
          join scenes sc on sc.story_id = j.story_id
          left join image_generation_job_plans p on p.job_id = j.id and p.scene_id = sc.id
          left join image_generation_job_scenes js on js.job_id = j.id and js.scene_id = sc.id
         where j.id = @job_id and j.user_id = @user_id
           and (p.scene_id is not null or js.scene_id is not null
                or not exists (select 1 from image_generation_job_plans any_plan where any_plan.job_id = j.id))
         order by sc.position
        """;

    /// <summary>The images a processing job of the user's has made so far, in scene order (<see cref="IJobKind.PreviewsOfJob"/>).</summary>
    public const string PreviewsOfJob = """
        select js.scene_id, js.image_key as media_key
          from image_generation_job_scenes js
          join image_generation_jobs j on j.id = js.job_id
          join scenes sc on sc.id = js.scene_id
         where js.job_id = @job_id and j.user_id = @user_id and j.status = 'processing'
         order by sc.position
        """;

    public const string ScenesOfStory = "select count(*) from scenes where story_id = @story_id";

    /// <summary>The scenes' images, and those a processing job has made so far.</summary>
    public const string MediaKeysInUse = """
        select image_key from scenes where image_key is not null
        union select js.image_key from image_generation_job_scenes js
                join image_generation_jobs j on j.id = js.job_id where j.status = 'processing'
        """;
}
