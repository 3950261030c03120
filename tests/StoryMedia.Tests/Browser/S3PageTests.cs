using System.Collections.Concurrent;
using Microsoft.Playwright;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>The story page's fixture with media in a bucket (s3rver) instead of a directory.</summary>
public sealed class S3BrowserFixture : BrowserFixture
{
    private readonly S3Server s3 = new();

    protected override async Task<IDictionary<string, string?>> MoreSettingsAsync()
    {
        await s3.InitializeAsync();
        return s3.Settings();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await s3.DisposeAsync();
    }
}

/// <summary>The page's images and video player load and seek when media lives in S3-compatible storage, served through /media.</summary>
public sealed class S3PageTests(S3BrowserFixture fixture) : PageTests(fixture), IClassFixture<S3BrowserFixture>
{
    [Fact]
    public async Task With_media_in_a_bucket_the_page_shows_every_image_and_the_video_plays_from_a_seek()
    {
        const int scenes = 3;
        var story = await Api.CreateStoryAsync(scenes);
        await Api.WaitUntilFinishedAsync((await Api.StartAsync(story.Id)).Id);
        using (var start = await Api.GenerateAsync(story.Id, VideoJobKind.Paths))
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
        }
        await Eventually.TrueAsync(async () => (await Api.GetStoryAsync(story.Id)).VideoUrl is not null, TimeSpan.FromSeconds(30));
        var ui = new StoryPage(await NewPageAsync(), "video");
        var mediaAnswers = new ConcurrentBag<(string Url, int Status)>();
        ui.Page.Response += (_, response) => mediaAnswers.Add((new Uri(response.Url).AbsolutePath, response.Status));
        await ui.SignInAsDevelopmentUserAsync();

        await ui.Page.GotoAsync($"/#/stories/{story.Id}");
        await ui.WaitForLoadedImagesAsync(scenes);
        await Expect(ui.Player).ToBeVisibleAsync();
        await ui.Page.WaitForFunctionAsync("() => document.querySelector('video[data-role=player]').readyState >= HTMLMediaElement.HAVE_METADATA");
        var seeked = await ui.Player.EvaluateAsync<double>(
            """
            v => new Promise((resolve, reject) => {
              v.muted = true;
              v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
              v.addEventListener('error', () => reject(new Error('video error ' + v.error?.code)), { once: true });
              v.currentTime = 2.5;
            })
            """);
        await ui.Page.WaitForFunctionAsync("() => document.querySelector('video[data-role=player]').readyState >= HTMLMediaElement.HAVE_CURRENT_DATA");

        Assert.InRange(seeked, 2.4, 2.6);
        Assert.InRange(await ui.Player.EvaluateAsync<double>("v => v.seekable.end(0)"), scenes - 0.2, scenes + 0.2);
        var videoUrl = (await Api.GetStoryAsync(story.Id)).VideoUrl;
        Assert.Contains((videoUrl!, 206), mediaAnswers);
        Assert.All((await Api.GetStoryAsync(story.Id)).Scenes, scene => Assert.Contains((scene.ImageUrl!, 200), mediaAnswers));
    }
}
