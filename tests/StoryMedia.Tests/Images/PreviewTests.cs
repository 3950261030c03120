using System.Net;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Images;

/// <summary>A running image job's new images: listed in its view as previews, served to its owner alone, gone once it is cleared.</summary>
public sealed class PreviewTests
{
    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.Postgres)]
    public async Task A_running_image_job_shows_its_new_images_as_previews_to_its_owner_alone_and_a_clear_takes_them_away(string provider)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Jobs:WorkerConcurrency"] = "1",
            ["Images:Builtin:DelayPerImage"] = "00:00:00.400",
        });
        var owner = Guid.NewGuid();
        var client = instance.Client(owner);
        using var stranger = instance.Client(Guid.NewGuid());
        using var anonymous = instance.Client();
        var story = await client.CreateStoryAsync(scenes: 20);
        var job = await client.StartAsync(story.Id);
        Assert.Equal([], job.Previews);

        var running = await client.WaitForJobAsync(job.Id, j => j.Previews is { Count: > 0 } || j.Status != JobStatus.Processing);
        var preview = running.Previews![0];
        using var image = await client.GetAsync(preview.Url);
        using var strangers = await stranger.GetAsync(preview.Url);
        using var anonymous401 = await anonymous.GetAsync(preview.Url);
        var published = await client.GetStoryAsync(story.Id);
        await client.ClearAsync(story.Id);
        var cleared = await client.GetJobAsync(job.Id);
        using var afterClear = await client.GetAsync(preview.Url);

        Assert.Equal(JobStatus.Processing, running.Status);
        Assert.Equal(story.Scenes[0].Id, preview.SceneId);
        Assert.Equal($"/api/image_jobs/{job.Id}/previews/{story.Scenes[0].Id}", preview.Url);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await image.Content.ReadAsByteArrayAsync())[..4]);
        Assert.True(image.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.NotFound, strangers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous401.StatusCode);
        Assert.All(published.Scenes, s => Assert.Null(s.ImageUrl));
        Assert.Equal((JobStatus.Failed, 0), (cleared.Status, cleared.Previews!.Count));
        Assert.Equal(HttpStatusCode.NotFound, afterClear.StatusCode);
    }
}
