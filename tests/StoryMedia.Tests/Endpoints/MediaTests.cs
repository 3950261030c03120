using System.Net;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Endpoints;

public sealed class MediaTests
{
    [Fact]
    public async Task A_completed_job_shows_a_png_per_scene_served_with_its_type_and_cached_privately()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        var client = instance.Client(Guid.NewGuid());
        var story = await client.CreateStoryAsync(scenes: 2);
        await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        var scenes = (await client.GetStoryAsync(story.Id)).Scenes;
        using var anonymous = instance.Client();

        foreach (var scene in scenes)
        {
            Assert.Matches("^/media/[0-9a-f]{32}\\.png$", scene.ImageUrl);
            using var image = await anonymous.GetAsync(scene.ImageUrl);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            // The user's own file: the browser may keep it for good, a shared cache (proxy, CDN) may not keep it at all.
            var cache = image.Headers.CacheControl!;
            Assert.Equal((true, false, TimeSpan.FromDays(365)), (cache.Private, cache.Public, cache.MaxAge));
            Assert.Contains("immutable", cache.ToString(), StringComparison.Ordinal);
            Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
            var bytes = await image.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    [Theory]
    [InlineData("/media/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/media/%2Fetc%2Fpasswd")]
    [InlineData("/media/0123456789ABCDEF0123456789ABCDEF.png")]
    [InlineData("/media/0123456789abcdef0123456789abcdef.exe")]
    [InlineData("/media/0123456789abcdef0123456789abcdef.png")]
    public async Task Anything_but_an_existing_well_formed_key_is_not_found(string url)
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));

        using var response = await instance.Client().GetAsync(url);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
