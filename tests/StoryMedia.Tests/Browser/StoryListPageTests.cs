using Microsoft.Playwright;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>The list of the writer's stories: summaries a page at a time, and More stories for the rest.</summary>
public sealed class StoryListPageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_list_shows_twenty_stories_with_covers_and_more_stories_loads_the_rest()
    {
        for (var i = 1; i <= 21; i++)
        {
            await Api.CreateStoryAsync(scenes: 1 + (i % 3), title: $"Story {i}");
        }
        var newest = await Api.CreateStoryAsync(scenes: 1, title: "Story 22");
        Assert.Equal(JobStatus.Completed, (await Api.WaitUntilFinishedAsync((await Api.StartAsync(newest.Id)).Id)).Status);
        var cover = (await Api.GetStoryAsync(newest.Id)).Scenes[0].ImageUrl;
        var ui = await SignedInPageAsync();
        var cards = ui.Page.Locator(".story-card");
        var more = ui.Page.GetByRole(AriaRole.Button, new() { Name = "More stories" });

        await Expect(cards).ToHaveCountAsync(20);
        await Expect(cards.First.Locator(".story-card-title")).ToHaveTextAsync("Story 22");
        await Expect(cards.First.Locator("img.cover")).ToHaveAttributeAsync("src", cover!);
        await Expect(cards.Nth(2).Locator(".story-card-title")).ToHaveTextAsync("Story 20");
        await Expect(cards.Nth(2).Locator(".story-card-meta")).ToContainTextAsync("watercolor · 3 scenes");
        await Expect(cards.Nth(2).Locator(".cover.placeholder")).ToBeVisibleAsync();
        await Expect(ui.Page.GetByText("Story 1", new() { Exact = true })).ToHaveCountAsync(0);
        await more.ClickAsync();

        await Expect(cards).ToHaveCountAsync(22);
        await Expect(cards.Last.Locator(".story-card-title")).ToHaveTextAsync("Story 1");
        await Expect(cards.Nth(20)).ToBeFocusedAsync();
        await Expect(more).ToBeHiddenAsync();
    }
}
