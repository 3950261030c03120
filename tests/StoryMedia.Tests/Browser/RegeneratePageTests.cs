using Microsoft.Playwright;
using StoryMedia.Images;
using StoryMedia.Tests.Images;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>Regenerating chosen scenes from the story page, and how each image was made.</summary>
public sealed class RegeneratePageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Regenerating_one_scene_and_then_a_selection_changes_only_those_images_and_each_says_how_it_was_made()
    {
        var story = await Api.CreateStoryAsync(scenes: 3, style: "Storybook ink");
        await Api.WaitUntilFinishedAsync((await Api.StartAsync(story.Id)).Id);
        var ui = await SignedInPageAsync();
        var page = ui.Page;
        await page.GotoAsync($"/#/stories/{story.Id}");
        await Expect(ui.History).ToHaveCountAsync(1);
        await ui.WaitForLoadedImagesAsync(3);
        var first = await ui.ImageSourcesAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Regenerate scene 2" }).ClickAsync();
        await ui.WaitUntilCompletedAsync();
        await Expect(ui.Panel.Locator("[data-role=done]")).ToHaveTextAsync("1 of 1 scene done");
        await Expect(page.Locator(".scene img").Nth(1)).Not.ToHaveAttributeAsync("src", first[1]);
        await ui.WaitForLoadedImagesAsync(3);
        var second = await ui.ImageSourcesAsync();
        Assert.Equal((first[0], first[2]), (second[0], second[2]));
        await Expect(ui.History.First.Locator("[data-role=history-scope]")).ToHaveTextAsync("Scene 2");
        await Expect(ui.History.Nth(1).Locator("[data-role=history-scope]")).ToHaveTextAsync("All scenes");

        var scene2 = page.Locator(".scene[data-position='2']");
        await scene2.GetByText("How this image was made").ClickAsync();
        var made = (await Api.GetStoryAsync(story.Id)).Scenes[1].ImageProvenance!;
        await Expect(scene2.Locator("dd[data-fact=Provider]")).ToHaveTextAsync("builtin");
        await Expect(scene2.Locator("dd[data-fact=Model]")).ToHaveTextAsync(BuiltinRenderer.Model);
        await Expect(scene2.Locator("dd[data-fact=Seed]")).ToHaveTextAsync(made.Seed!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(scene2.Locator("[data-fact=Prompt]")).ToHaveTextAsync(made.Prompt);
        await scene2.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "screenshot-provenance.png") });

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select scene 1" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select scene 3" }).CheckAsync();
        await ui.Panel.GetByRole(AriaRole.Button, new() { Name = "Regenerate 2 selected scenes" }).ClickAsync();
        await Expect(ui.History).ToHaveCountAsync(3);
        await Expect(ui.History.First.Locator(".badge.completed")).ToBeVisibleAsync();
        await Expect(ui.History.First.Locator("[data-role=history-scope]")).ToHaveTextAsync("Scenes 1, 3");
        await Expect(page.Locator(".scene img").First).Not.ToHaveAttributeAsync("src", second[0]);
        await ui.WaitForLoadedImagesAsync(3);
        var third = await ui.ImageSourcesAsync();
        Assert.Equal(second[1], third[1]);
        Assert.NotEqual(second[2], third[2]);
        Assert.Equal(made.Seed, (await Api.JobScenesAsync((await Api.ImageJobsAsync(story.Id))[1].Id)).Scenes.Single().Seed);
    }
}
