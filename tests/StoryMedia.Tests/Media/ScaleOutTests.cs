using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Amazon.S3.Model;
using StoryMedia.Cli;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Media;

/// <summary>
/// Instances as on different machines: one PostgreSQL, one bucket (a real S3-protocol server), and a media
/// directory of its own for each instance that must stay empty.
/// </summary>
public sealed class ScaleOutTests(S3Server s3) : IClassFixture<S3Server>
{
    private readonly Guid user = Guid.NewGuid();

    private Dictionary<string, string?> Settings(string prefix, int workers) => new(s3.Settings(prefix))
    {
        ["Media:Path"] = TempDirectory.Create("media"),
        ["Jobs:WorkerConcurrency"] = workers.ToString(CultureInfo.InvariantCulture),
        ["Video:Width"] = "160",
        ["Video:Height"] = "90",
        ["Video:FrameRate"] = "10",
        ["Video:SecondsPerScene"] = "1",
        ["Video:CrossfadeSeconds"] = "0.2",
        ["Video:Preset"] = "ultrafast",
    };

    private static async Task<byte[]> ObjectAsync(S3Server s3, string prefix, string url)
    {
        using var client = s3.Client();
        using var found = await client.GetObjectAsync(S3Server.Bucket, prefix + url["/media/".Length..]);
        using var bytes = new MemoryStream();
        await found.ResponseStream.CopyToAsync(bytes);
        return bytes.ToArray();
    }

    [Fact]
    public async Task Images_made_by_one_instance_are_served_by_another_and_a_video_made_by_a_third_plays_and_seeks_from_either()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var prefix = $"scale-{Guid.NewGuid():N}/";
        var apiOnly = Settings(prefix, workers: 0);
        await using var front = await ServiceInstance.StartAsync(backend, apiOnly);
        using var client = front.Client(user);
        var story = await client.CreateStoryAsync(scenes: 3);
        var illustratorSettings = Settings(prefix, workers: 2);
        StoryView illustrated;
        await using (var illustrator = await ServiceInstance.StartAsync(backend, illustratorSettings))
        {
            var images = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
            Assert.Equal((JobStatus.Completed, null), (images.Status, images.Error));
            illustrated = await client.GetStoryAsync(story.Id);
            using var fromIllustrator = illustrator.Client();
            foreach (var url in illustrated.Scenes.Select(s => s.ImageUrl!))
            {
                var served = await front.Client().GetByteArrayAsync(new Uri(url, UriKind.Relative));
                Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], served[..4]);
                Assert.Equal(await ObjectAsync(s3, prefix, url), served);
                Assert.Equal(served, await fromIllustrator.GetByteArrayAsync(new Uri(url, UriKind.Relative)));
            }
        }

        // The illustrator is gone; a third instance, with nothing on its disk, makes the video from the bucket.
        var rendererSettings = Settings(prefix, workers: 1);
        await using var renderer = await ServiceInstance.StartAsync(backend, rendererSettings);
        using var start = await client.GenerateAsync(story.Id, VideoJobKind.Paths);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var video = (await start.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
        var done = await client.WaitUntilFinishedAsync(video.Id, TimeSpan.FromSeconds(60), VideoJobKind.Paths);
        Assert.Equal((JobStatus.Completed, null), (done.Status, done.Error));
        var videoUrl = (await client.GetStoryAsync(story.Id)).VideoUrl!;

        using var anonymous = front.Client();
        var whole = await anonymous.GetByteArrayAsync(new Uri(videoUrl, UriKind.Relative));
        Assert.Equal("ftyp"u8.ToArray(), whole[4..8]);
        Assert.Equal(await ObjectAsync(s3, prefix, videoUrl), whole);
        using var seek = new HttpRequestMessage(HttpMethod.Get, new Uri(videoUrl, UriKind.Relative));
        seek.Headers.Range = new RangeHeaderValue(whole.Length / 2, null);
        using var part = await anonymous.SendAsync(seek);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("video/mp4", part.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new ContentRangeHeaderValue(whole.Length / 2, whole.Length - 1, whole.Length), part.Content.Headers.ContentRange);
        Assert.Equal(whole[(whole.Length / 2)..], await part.Content.ReadAsByteArrayAsync());
        using var tail = new HttpRequestMessage(HttpMethod.Get, new Uri(videoUrl, UriKind.Relative)) { Headers = { Range = new RangeHeaderValue(null, 100) } };
        using var fromRenderer = await renderer.Client().SendAsync(tail);
        Assert.Equal(HttpStatusCode.PartialContent, fromRenderer.StatusCode);
        Assert.Equal(whole[^100..], await fromRenderer.Content.ReadAsByteArrayAsync());

        foreach (var settings in new[] { apiOnly, illustratorSettings, rendererSettings })
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(settings["Media:Path"]!));
        }
    }

    [Fact]
    public async Task The_sweep_deletes_from_the_bucket_only_unreferenced_objects_older_than_the_minimum_age()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var prefix = $"sweep-{Guid.NewGuid():N}/";
        var settings = new Dictionary<string, string?>(Settings(prefix, workers: 1)) { ["Media:SweepInterval"] = "00:00:00" };
        await using var instance = await ServiceInstance.StartAsync(backend, settings);
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id)).Status);
        var replaced = (await client.GetStoryAsync(story.Id)).Scenes.Select(s => s.ImageUrl![7..]).ToArray();
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id)).Status);
        var shown = (await client.GetStoryAsync(story.Id)).Scenes.Select(s => s.ImageUrl![7..]).ToArray();
        var store = instance.Get<MediaStore>();
        var stray = await store.SaveAsync(new byte[100], "image/png", CancellationToken.None);
        using var bucket = s3.Client();
        await bucket.PutObjectAsync(new PutObjectRequest { BucketName = S3Server.Bucket, Key = prefix + "notes.txt", ContentBody = "not the store's", UseChunkEncoding = false });
        // Object times have whole seconds: what is written after the next whole second is younger than the cut-off.
        var boundary = new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(2);
        await Task.Delay(boundary - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));
        var fresh = await store.SaveAsync(new byte[100], "image/png", CancellationToken.None);
        var sweeper = new MediaSweeper(
            instance.Get<StoryMedia.Data.Database>(), instance.Get<StoryMedia.Jobs.JobKinds>(), store,
            Microsoft.Extensions.Options.Options.Create(new MediaOptions { SweepMinAge = TimeSpan.FromHours(1) }),
            new FixedTime(boundary.AddHours(1)), Microsoft.Extensions.Logging.Abstractions.NullLogger<MediaSweeper>.Instance);

        var swept = await sweeper.SweepAsync(dryRun: false, CancellationToken.None);

        Assert.Equal((3, 2), (swept.Deleted, swept.Kept));
        var left = await store.ListAsync(CancellationToken.None).Select(f => f.Name).ToListAsync();
        string[] kept = [.. shown, fresh, "notes.txt"];
        Assert.Equal(kept.Order(), left.Order());
        Assert.DoesNotContain(stray, left);
        Assert.All(replaced, key => Assert.DoesNotContain(key, left));
    }

    [Fact]
    public async Task Copy_to_s3_moves_a_deployment_s_files_into_the_bucket_and_a_second_run_copies_nothing()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        var prefix = $"copy-{Guid.NewGuid():N}/";
        var onDisk = new Dictionary<string, string?> { ["Media:Path"] = TempDirectory.Create("media") };
        StoryView story;
        await using (var before = await ServiceInstance.StartAsync(backend, onDisk))
        {
            using var writer = before.Client(user);
            story = await writer.CreateStoryAsync(scenes: 3);
            Assert.Equal(JobStatus.Completed, (await writer.WaitUntilFinishedAsync((await writer.StartAsync(story.Id)).Id)).Status);
            story = await writer.GetStoryAsync(story.Id);
        }
        var copySettings = new Dictionary<string, string?>(s3.Settings(prefix)) { ["Media:Store"] = "filesystem", ["Media:Path"] = onDisk["Media:Path"] };

        var first = await ServerProcess.RunCommandAsync(backend, ["media", "copy-to-s3"], settings: copySettings);
        var again = await ServerProcess.RunCommandAsync(backend, ["media", "copy-to-s3"], settings: copySettings);

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Contains("3 of 3 files: 3 copied", first.StdOut, StringComparison.Ordinal);
        Assert.Matches("Done: 3 files copied \\([0-9]+ bytes\\), 0 already in the bucket, of 3\\.", first.StdOut);
        Assert.Equal((ExitCodes.Ok, "Done: 0 files copied (0 bytes), 3 already in the bucket, of 3."), (again.ExitCode, again.StdOut.Trim().Split('\n')[^1]));
        await using var after = await ServiceInstance.StartAsync(backend, Settings(prefix, workers: 0));
        foreach (var url in story.Scenes.Select(s => s.ImageUrl!))
        {
            Assert.Equal(
                await File.ReadAllBytesAsync(Path.Combine(onDisk["Media:Path"]!, url["/media/".Length..])),
                await after.Client().GetByteArrayAsync(new Uri(url, UriKind.Relative)));
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
