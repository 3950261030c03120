using Microsoft.Playwright;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>Editing a story's scenes on the page, on a 375 px phone, with the keyboard for the moves.</summary>
public sealed class SceneEditorPageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_writer_changes_a_scene_text_and_moves_the_last_scene_up_and_the_story_keeps_it_after_a_reload()
    {
        var story = await Api.CreateStoryAsync(scenes: 3);
        var texts = story.Scenes.Select(s => s.Text).ToArray();
        var ui = await SignedInPageAsync(width: 375, height: 740);
        var page = ui.Page;
        await ui.OpenStoryAsync(story.Id);

        await ui.EditScenes.ClickAsync();
        await page.GetByLabel("Scene 1", new() { Exact = true }).FillAsync("At dawn the fox wakes under the oak.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move scene 3 up" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        // The focus follows the moved scene, now the second.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Move scene 2 up" })).ToBeFocusedAsync();
        Assert.False(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth"),
            "The scene editor scrolls sideways at 375 px.");
        await ui.SaveScenes.ClickAsync();

        string[] expected = ["At dawn the fox wakes under the oak.", texts[2], texts[1]];
        await Expect(ui.SceneEditor).ToHaveCountAsync(0);
        await Expect(ui.SceneTexts).ToHaveTextAsync(expected);
        await Expect(ui.EditScenes).ToBeFocusedAsync();
        await page.ReloadAsync();
        await Expect(ui.SceneTexts).ToHaveTextAsync(expected);
        Assert.Equal(expected, (await Api.GetStoryAsync(story.Id)).Scenes.Select(s => s.Text));
    }

    [Fact]
    public async Task Saving_while_images_are_being_generated_says_so_in_the_page_and_keeps_the_editor_open()
    {
        // Long enough (0.5 s an image) that the job is still processing when the writer saves.
        var story = await Api.CreateStoryAsync(scenes: 24);
        var ui = await SignedInPageAsync();
        var page = ui.Page;
        await ui.OpenStoryAsync(story.Id);
        await ui.EditScenes.ClickAsync();
        await page.GetByLabel("Scene 2", new() { Exact = true }).FillAsync("Changed while the painter works.");
        await Api.StartAsync(story.Id);

        await ui.SaveScenes.ClickAsync();

        await Expect(ui.SceneEditor.GetByRole(AriaRole.Alert)).ToHaveTextAsync(
            "Images or a video are being generated for this story; edit the scenes when that job is done.");
        await Expect(page.GetByLabel("Scene 2", new() { Exact = true })).ToHaveValueAsync("Changed while the painter works.");
        Assert.Equal(story.Scenes[1].Text, (await Api.GetStoryAsync(story.Id)).Scenes[1].Text);
    }
}
