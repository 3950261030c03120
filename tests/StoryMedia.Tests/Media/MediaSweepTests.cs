using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Media;

/// <summary>
/// The sweep deletes only what nothing shows or may still use: run against real jobs on both databases, with
/// real files whose ages are set, so nothing sleeps.
/// </summary>
public sealed class MediaSweepTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly Guid user = Guid.NewGuid();
    private readonly string root = TempDirectory.Create("sweep");

    public static TheoryData<string> Providers => new() { Backend.Sqlite, Backend.Postgres };

    private MediaSweeper Sweeper(Stores stores) => new(
        stores.Database,
        Stores.Kinds,
        new FileMediaStore(Options.Create(new MediaOptions { Path = root }), new HostingEnvironment { ContentRootPath = root }, new MediaTypes(Stores.Kinds)),
        Options.Create(new MediaOptions { Path = root, SweepMinAge = TimeSpan.FromHours(1) }),
        TimeProvider.System,
        NullLogger<MediaSweeper>.Instance);

    /// <summary>A file as a worker would leave it, written two hours ago unless it is <paramref name="fresh"/>.</summary>
    private string File(string extension = ".png", bool fresh = false, bool temporary = false)
    {
        var key = MediaStore.NewKey(extension);
        var path = Path.Combine(root, temporary ? $".{key}.tmp" : key);
        System.IO.File.WriteAllBytes(path, new byte[100]);
        if (!fresh)
        {
            System.IO.File.SetLastWriteTimeUtc(path, Now.AddHours(-2).UtcDateTime);
        }
        return temporary ? Path.GetFileName(path) : key;
    }

    private string[] Files() => [.. Directory.EnumerateFiles(root).Select(Path.GetFileName).Order()!];

    private async Task<JobLease> StartAndClaimAsync(Stores stores, string kind, Story story)
    {
        Assert.IsType<StartOutcome.Started>(await stores.Jobs.StartAsync(kind, new NewJob(story.Id, user, null, null), Stores.Unbounded, Now, Now.AddMinutes(-5), "stale", None));
        var job = (await stores.Jobs.ClaimAsync("w", Now, TimeSpan.FromMinutes(1), 3, int.MaxValue, None)).Claimed!;
        return new JobLease(job.Kind, job.Id, job.StoryId, job.WorkerId!, job.Attempts);
    }

    private async Task<string[]> DrawAsync(Stores stores, JobLease lease, Story story)
    {
        var keys = story.Scenes.Select(_ => File()).ToArray();
        foreach (var (scene, key) in story.Scenes.Zip(keys))
        {
            Assert.True(await stores.RecordSceneImageAsync(lease, scene.Id, key, Stores.Made, None));
        }
        return keys;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Only_files_that_nothing_shows_or_may_still_use_are_deleted(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user, scenes: 2);
        var first = await StartAndClaimAsync(stores, ImageJobKind.Kind, story);
        var shownFirst = await DrawAsync(stores, first, story);
        Assert.True(await stores.Jobs.CompleteAsync(first, Now, None));
        // A video starts from the first images, then a second image job replaces them on the story.
        var video = await StartAndClaimAsync(stores, VideoJobKind.Kind, story);
        var second = await StartAndClaimAsync(stores, ImageJobKind.Kind, story);
        var shownSecond = await DrawAsync(stores, second, story);
        Assert.True(await stores.Jobs.CompleteAsync(second, Now, None));
        // A third image job is cleared half way: its image is shown nowhere.
        var third = await StartAndClaimAsync(stores, ImageJobKind.Kind, story);
        var cleared = File();
        Assert.True(await stores.RecordSceneImageAsync(third, story.Scenes[0].Id, cleared, Stores.Made, None));
        await stores.Jobs.ClearAsync(ImageJobKind.Kind, story.Id, user, "cleared", Now, None);
        var crashed = File(".mp4", temporary: true);
        var justWritten = File(fresh: true);
        System.IO.File.WriteAllText(Path.Combine(root, "README.txt"), "not the store's");

        var dry = await Sweeper(stores).SweepAsync(dryRun: true, None);
        Assert.Equal((2, 200L), (dry.Deleted, dry.DeletedBytes));
        Assert.Contains(cleared, Files());

        var swept = await Sweeper(stores).SweepAsync(dryRun: false, None);

        Assert.Equal((2, 200L, 4), (swept.Deleted, swept.DeletedBytes, swept.Kept));
        string[] kept = [.. shownFirst, .. shownSecond, justWritten, "README.txt"];
        Assert.Equal(kept.Order(), Files());
        Assert.DoesNotContain(crashed, Files());

        // Once the video is done, the first images are used by nothing and go; the video stays.
        var videoKey = File(".mp4");
        Assert.True(await stores.Videos.RecordVideoAsync(video, videoKey, None));
        Assert.True(await stores.Jobs.CompleteAsync(video, Now, None));
        var after = await Sweeper(stores).SweepAsync(dryRun: false, None);

        Assert.Equal(2, after.Deleted);
        string[] left = [.. shownSecond, justWritten, videoKey, "README.txt"];
        Assert.Equal(left.Order(), Files());
        var shown = (await stores.Stories.GetAsync(story.Id, user, None))!;
        Assert.Equal((IEnumerable<string?>)shownSecond, shown.Scenes.Select(s => s.ImageKey));
        Assert.Equal(videoKey, shown.VideoKey);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_processing_job_keeps_the_images_it_has_made_so_far_for_its_resume(string provider)
    {
        await using var stores = await Stores.CreateAsync(provider);
        var story = await stores.NewStoryAsync(user, scenes: 2);
        var job = await StartAndClaimAsync(stores, ImageJobKind.Kind, story);
        var made = await DrawAsync(stores, job, story);

        var swept = await Sweeper(stores).SweepAsync(dryRun: false, None);

        Assert.Equal((0, 2), (swept.Deleted, swept.Kept));
        Assert.Equal(made.Order(), Files());
    }
}
