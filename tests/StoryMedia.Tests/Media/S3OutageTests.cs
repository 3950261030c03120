using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Media;

/// <summary>The bucket's server stops mid-job: the job fails with a reason naming the scene and the story shows nothing half made.</summary>
public sealed class S3OutageTests(S3Server s3) : IClassFixture<S3Server>
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task When_the_store_stops_mid_job_the_job_fails_naming_the_scene_the_story_is_unchanged_and_work_resumes_once_it_is_back()
    {
        var settings = new Dictionary<string, string?>(s3.Settings())
        {
            ["Images:Builtin:DelayPerImage"] = "00:00:00.300",
            ["Video:Width"] = "160",
            ["Video:Height"] = "90",
            ["Video:FrameRate"] = "10",
            ["Video:SecondsPerScene"] = "1",
            ["Video:CrossfadeSeconds"] = "0.2",
            ["Video:Preset"] = "ultrafast",
        };
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings);
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 3);
        Assert.Equal(JobStatus.Completed, (await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id)).Status);
        var before = await client.GetStoryAsync(story.Id);

        try
        {
            var second = await client.StartAsync(story.Id);
            await client.WaitForJobAsync(second.Id, j => j.Progress > 0);
            await s3.StopAsync();
            var failed = await client.WaitUntilFinishedAsync(second.Id);

            Assert.Equal(JobStatus.Failed, failed.Status);
            Assert.Matches("^Could not store the image of scene [23]: the media storage refused the write \\(the bucket could not be reached\\)", failed.Error);
            Assert.DoesNotContain("127.0.0.1", failed.Error, StringComparison.Ordinal);
            Assert.Contains("The story keeps its current images", failed.Error, StringComparison.Ordinal);
            Assert.Equal(before.Scenes.Select(s => s.ImageUrl), (await client.GetStoryAsync(story.Id)).Scenes.Select(s => s.ImageUrl));
            using (var video = await client.GenerateAsync(story.Id, VideoJobKind.Paths))
            {
                var job = (await video.Content.ReadFromJsonAsync<JobView>(Api.Json))!;
                var videoFailed = await client.WaitUntilFinishedAsync(job.Id, TimeSpan.FromSeconds(30), VideoJobKind.Paths);
                Assert.StartsWith("Could not read the image of scene 1 from the media storage (the bucket could not be reached)", videoFailed.Error, StringComparison.Ordinal);
            }
            Assert.Null((await client.GetStoryAsync(story.Id)).VideoUrl);
            using (var image = await client.GetAsync(new Uri(before.Scenes[0].ImageUrl!, UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, image.StatusCode);
                Assert.Equal("The media storage cannot be reached.", (await image.ProblemAsync()).GetProperty("title").GetString());
            }
            using (var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                // Outside Development the answer is the status alone; the log says which check failed and why.
                Assert.Contains(TestLog.Provider.Lines, line => line.Contains("Health check media", StringComparison.Ordinal) && line.Contains("The media store (bucket storymedia at", StringComparison.Ordinal));
            }
        }
        finally
        {
            await s3.StartAsync();
        }

        using (var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        var third = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        Assert.Equal((JobStatus.Completed, null), (third.Status, third.Error));
        foreach (var scene in (await client.GetStoryAsync(story.Id)).Scenes)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(scene.ImageUrl!, UriKind.Relative))).StatusCode);
        }
    }
}
