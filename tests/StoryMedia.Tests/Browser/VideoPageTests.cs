using Microsoft.Playwright;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>Generating a story's video on the story page in headless Chromium against a real server and a real ffmpeg. No sleeps.</summary>
public sealed class VideoPageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Generate_video_shows_its_progress_and_then_a_player_whose_video_loads_on_a_375_pixel_phone()
    {
        const int scenes = 3;
        var story = await Api.CreateStoryAsync(scenes);
        await Api.WaitUntilFinishedAsync((await Api.StartAsync(story.Id)).Id);
        var ui = new StoryPage((await SignedInPageAsync(width: 375, height: 740)).Page, "video");
        await ui.OpenStoryAsync(story.Id);
        await Expect(ui.Player).ToBeHiddenAsync();

        // ffmpeg may finish before a poll sees the running state, so the page's own record of it is kept.
        await ui.Page.EvaluateAsync(
            """
            () => {
              const area = document.querySelector('.job-panel[data-kind=video] [data-role=progress]');
              window.videoStatuses = [];
              new MutationObserver(() => {
                if (window.videoStatuses.at(-1) !== area.dataset.status) window.videoStatuses.push(area.dataset.status);
              })
                .observe(area, { attributes: true, attributeFilter: ['data-status'] });
            }
            """);
        await ui.Generate.ClickAsync();
        await ui.WaitUntilCompletedAsync();
        await Expect(ui.Percent).ToHaveTextAsync("100 %");
        await Expect(ui.Panel.Locator("[data-role=done]")).ToHaveTextAsync("100 % of the video rendered");
        Assert.Equal(["processing", "completed"], await ui.Page.EvaluateAsync<string[]>("() => window.videoStatuses"));

        await Expect(ui.Player).ToBeVisibleAsync();
        await ui.Page.WaitForFunctionAsync(
            "() => { const v = document.querySelector('video[data-role=player]'); return v.readyState >= HTMLMediaElement.HAVE_METADATA; }");
        var seconds = await ui.Player.EvaluateAsync<double>("v => v.duration");
        Assert.InRange(seconds, scenes * BrowserFixture.SecondsPerScene - 0.15, scenes * BrowserFixture.SecondsPerScene + 0.15);
        Assert.Equal((await Api.GetStoryAsync(story.Id)).VideoUrl, await ui.Player.GetAttributeAsync("src"));
        await Expect(ui.History.Locator(".badge.completed")).ToHaveCountAsync(1);
        await Expect(ui.Generate).ToHaveTextAsync("Generate Video");
        Assert.False(await ui.Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth"),
            "The story page with its video scrolls sideways at 375 px.");
    }

    [Fact]
    public async Task Generate_video_for_a_story_without_images_names_the_scenes_and_points_at_generate_images()
    {
        var story = await Api.CreateStoryAsync(scenes: 3);
        var ui = new StoryPage((await SignedInPageAsync()).Page, "video");
        await ui.OpenStoryAsync(story.Id);

        await ui.Generate.ClickAsync();

        await Expect(ui.Error).ToHaveAttributeAsync("role", "alert");
        await Expect(ui.Error).ToHaveTextAsync(
            "Some scenes have no image yet. Scenes 1, 2 and 3 have no image. Use Generate Images above first; the video shows every scene’s image.");
        await Expect(ui.Panel.Locator("[data-role=progress]")).ToBeHiddenAsync();
        Assert.Empty(await Api.VideoJobsAsync(story.Id));
    }

    [Fact]
    public async Task Generate_video_while_images_are_being_generated_asks_the_writer_to_wait_for_them()
    {
        var story = await Api.CreateStoryAsync(scenes: 12);
        var ui = new StoryPage((await SignedInPageAsync()).Page, "video");
        await ui.OpenStoryAsync(story.Id);
        var images = await Api.StartAsync(story.Id);

        await ui.Generate.ClickAsync();

        await Expect(ui.Error).ToContainTextAsync("Images are being generated for this story.");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        Assert.Empty(await Api.VideoJobsAsync(story.Id));
        Assert.Equal(JobStatus.Processing, (await Api.GetJobAsync(images.Id)).Status);
    }
}
