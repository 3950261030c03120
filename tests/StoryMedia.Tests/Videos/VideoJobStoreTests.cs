using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Videos;

/// <summary>What video jobs add to the guard, on both databases: the cross-kind rule, the images a video is made from, publishing.</summary>
public sealed class VideoJobStoreTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Guid user = Guid.NewGuid();
    private readonly DateTimeOffset t0 = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private Task<StartOutcome> StartAsync(Stores stores, string kind, Guid storyId, DateTimeOffset now) =>
        stores.Jobs.StartAsync(kind, new NewJob(storyId, user, null, null), Stores.Unbounded, now, now - TimeSpan.FromMinutes(5), "stale", None);

    /// <summary>The fair claim takes the user's oldest waiting job, of any kind: the test says which kind that is.</summary>
    private static async Task<JobLease> ClaimAsync(Stores stores, string kind, DateTimeOffset now)
    {
        var job = (await stores.Jobs.ClaimAsync("w1", now, Lease, 3, int.MaxValue, None)).Claimed!;
        Assert.Equal(kind, job.Kind);
        return new JobLease(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_video_cannot_start_while_an_image_job_is_processing_for_the_story(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var images = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0)).Job;

        var refused = Assert.IsType<StartOutcome.BlockedBy>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0.AddSeconds(1)));

        Assert.Equal((images.Id, ImageJobKind.Kind), (refused.Job.Id, refused.Job.Kind));
        Assert.Empty((await stores.Jobs.ListAsync(VideoJobKind.Kind, story.Id, user, 10, None))!);
        await stores.Jobs.ClearAsync(ImageJobKind.Kind, story.Id, user, "cleared", t0.AddSeconds(2), None);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0.AddSeconds(3)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stale_image_job_does_not_block_a_video_the_video_start_clears_it(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var images = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0)).Job;

        var video = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0.AddMinutes(5).AddSeconds(1)));

        var cleared = Assert.Single(video.ClearedStale);
        Assert.Equal((images.Id, ImageJobKind.Kind), (cleared.Id, cleared.Kind));
        Assert.Equal((JobStatus.Failed, "stale"), ((await stores.Jobs.GetAsync(ImageJobKind.Kind, images.Id, user, None))!.Status, cleared.Error));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_refused_video_start_leaves_a_stale_image_job_as_it_was(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);
        var images = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0)).Job;

        Assert.IsType<StartOutcome.NotReady>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0.AddMinutes(6)));

        Assert.Equal(JobStatus.Processing, (await stores.Jobs.GetAsync(ImageJobKind.Kind, images.Id, user, None))!.Status);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_image_job_may_start_while_a_video_runs_and_the_video_keeps_the_images_it_started_with(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var video = Assert.IsType<StartOutcome.Started>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0)).Job;

        await ClaimAsync(stores, VideoJobKind.Kind, t0);
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, ImageJobKind.Kind, story.Id, t0.AddSeconds(1)));
        var images = await ClaimAsync(stores, ImageJobKind.Kind, t0.AddSeconds(1));
        foreach (var scene in story.Scenes)
        {
            Assert.True(await stores.RecordSceneImageAsync(images, scene.Id, $"new-{scene.Position}.png", Stores.Made, None));
        }
        Assert.True(await stores.Jobs.CompleteAsync(images, t0.AddSeconds(2), None));

        Assert.Equal(["new-1.png", "new-2.png", "new-3.png"], (await stores.Stories.GetAsync(story.Id, user, None))!.Scenes.Select(s => s.ImageKey));
        Assert.Equal(
            [new SceneImage(1, "scene-1.png", "Scene 1"), new SceneImage(2, "scene-2.png", "Scene 2"), new SceneImage(3, "scene-3.png", "Scene 3")],
            await stores.Videos.ScenesAsync(video.Id, None));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_video_cannot_start_until_every_scene_has_an_image(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user);

        var refused = Assert.IsType<StartOutcome.NotReady>(await StartAsync(stores, VideoJobKind.Kind, story.Id, t0));

        Assert.Equal([1, 2, 3], Assert.IsAssignableFrom<IReadOnlyList<int>>(refused.Facts["scenes_without_image"]));
        Assert.Empty((await stores.Jobs.ListAsync(VideoJobKind.Kind, story.Id, user, 10, None))!);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Completing_publishes_the_video_and_a_cleared_job_leaves_it_in_place(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var first = await StartAndClaimVideoAsync(stores, story.Id, t0);
        Assert.True(await stores.Videos.RecordVideoAsync(first, "first.mp4", None));
        Assert.Null(await VideoKeyAsync(stores, story.Id));

        Assert.True(await stores.Jobs.CompleteAsync(first, t0.AddSeconds(1), None));
        Assert.Equal("first.mp4", await VideoKeyAsync(stores, story.Id));

        var second = await StartAndClaimVideoAsync(stores, story.Id, t0.AddSeconds(2));
        Assert.True(await stores.Videos.RecordVideoAsync(second, "second.mp4", None));
        await stores.Jobs.ClearAsync(VideoJobKind.Kind, story.Id, user, "cleared", t0.AddSeconds(3), None);

        Assert.False(await stores.Jobs.CompleteAsync(second, t0.AddSeconds(4), None));
        Assert.Equal("first.mp4", await VideoKeyAsync(stores, story.Id));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_video_job_that_made_no_video_does_not_erase_the_story_s_video(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewIllustratedStoryAsync(user);
        var first = await StartAndClaimVideoAsync(stores, story.Id, t0);
        Assert.True(await stores.Videos.RecordVideoAsync(first, "first.mp4", None));
        Assert.True(await stores.Jobs.CompleteAsync(first, t0.AddSeconds(1), None));

        var empty = await StartAndClaimVideoAsync(stores, story.Id, t0.AddSeconds(2));
        Assert.True(await stores.Jobs.CompleteAsync(empty, t0.AddSeconds(3), None));

        Assert.Equal("first.mp4", await VideoKeyAsync(stores, story.Id));
    }

    [Fact]
    public async Task On_postgres_the_video_jobs_table_has_the_image_jobs_columns_indexes_and_row_level_security()
    {
        await using var stores = await Stores.CreateAsync(Backend.Postgres);

        async Task<List<string>> ListAsync(string sql, string table)
        {
            await using var connection = await stores.Database.OpenAsync(None);
            await using var command = stores.Database.Command(connection, sql, null, ("table", table));
            await using var reader = await command.ExecuteReaderAsync(None);
            var rows = new List<string>();
            while (await reader.ReadAsync(None))
            {
                rows.Add(reader.GetString(0));
            }
            return rows;
        }
        const string Columns = "select column_name || ' ' || data_type || ' ' || is_nullable from information_schema.columns where table_name = @table";
        // Index and policy definitions name their own table; with the kind blanked out the two tables' compare equal.
        const string Indexes = "select replace(replace(indexdef, 'video', 'KIND'), 'image', 'KIND') from pg_indexes where tablename = @table";
        const string Policies = """
            select replace(replace(cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, ''), 'video', 'KIND'), 'image', 'KIND')
              from pg_policies where tablename = @table
            """;
        const string Secured = "select relrowsecurity::text from pg_class where relname = @table";

        var imageColumns = await ListAsync(Columns, "image_generation_jobs");
        Assert.Equal([.. imageColumns.Append("video_key text YES").Append("subtitles_key text YES").Order()], (await ListAsync(Columns, "video_generation_jobs")).Order());
        Assert.Equal((await ListAsync(Indexes, "image_generation_jobs")).Order(), (await ListAsync(Indexes, "video_generation_jobs")).Order());
        Assert.Equal((await ListAsync(Policies, "image_generation_jobs")).Order(), (await ListAsync(Policies, "video_generation_jobs")).Order());
        Assert.Equal(["true"], await ListAsync(Secured, "video_generation_jobs"));
        Assert.Equal(["true"], await ListAsync(Secured, "video_generation_job_scenes"));
    }

    private async Task<JobLease> StartAndClaimVideoAsync(Stores stores, Guid storyId, DateTimeOffset now)
    {
        Assert.IsType<StartOutcome.Started>(await StartAsync(stores, VideoJobKind.Kind, storyId, now));
        return await ClaimAsync(stores, VideoJobKind.Kind, now);
    }

    private async Task<string?> VideoKeyAsync(Stores stores, Guid storyId) =>
        (await stores.Stories.GetAsync(storyId, user, None))!.VideoKey;
}
