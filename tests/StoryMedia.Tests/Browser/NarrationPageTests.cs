using Microsoft.Playwright;
using StoryMedia.Narration;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>The Narration panel in headless Chromium against a real server speaking with the built-in voice. No sleeps.</summary>
public sealed class NarrationPageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Generate_narration_puts_a_player_on_each_scene_and_the_video_panel_then_promises_sound()
    {
        var story = await Api.CreateStoryAsync(scenes: 2);
        var page = (await SignedInPageAsync()).Page;
        var ui = new StoryPage(page, NarrationJobKind.Kind);
        await ui.OpenStoryAsync(story.Id);
        var sound = page.Locator("[data-role=video-sound]");
        await Expect(sound).ToHaveTextAsync("The video will be silent: scenes 1 and 2 have no narration of their current text.");
        await Expect(page.Locator("audio[data-role=narration]")).ToHaveCountAsync(0);

        await ui.Panel.GetByLabel("Voice").FillAsync("slt");
        await ui.Generate.ClickAsync();
        await ui.WaitUntilCompletedAsync();

        await Expect(page.Locator("audio[data-role=narration]")).ToHaveCountAsync(2);
        await Expect(sound).ToHaveTextAsync("The video will have sound: every scene is narrated.");
        var narrated = await Api.GetStoryAsync(story.Id);
        Assert.Equal(narrated.Scenes.Select(s => s.AudioUrl), await page.Locator("audio[data-role=narration]").EvaluateAllAsync<string[]>("a => a.map(x => x.getAttribute('src'))"));
        Assert.True(await page.Locator("audio[data-role=narration]").First.EvaluateAsync<bool>(
            "a => new Promise(ok => { a.preload = 'metadata'; a.onloadedmetadata = () => ok(a.duration > 0.5); a.onerror = () => ok(false); a.load(); })"),
            "The browser could not play the narration it was given.");
    }

    [Fact]
    public async Task A_narration_started_elsewhere_is_followed_on_the_page_and_clear_stuck_job_brings_up_its_dialog()
    {
        // Forty scenes take the built-in voice far longer than the clicks.
        var story = await Api.CreateStoryAsync(scenes: 40);
        var ui = new StoryPage((await SignedInPageAsync()).Page, NarrationJobKind.Kind);
        await ui.OpenStoryAsync(story.Id);
        var running = await Api.StartAsync(story.Id, NarrationJobKind.Paths);

        await Expect(ui.ProgressStatus).ToHaveTextAsync("Narrating");
        await ui.ClearStuckJob.ClickAsync();

        await Expect(ui.Dialog.Locator("h2")).ToHaveTextAsync("Narration already in progress. Clear stuck job?");
        await ui.DialogCancel.ClickAsync();
        await Expect(ui.Dialog).ToBeHiddenAsync();
        Assert.Equal(running.Id, (await Api.ClearAsync(story.Id, NarrationJobKind.Paths)).Job?.Id);
    }
}
