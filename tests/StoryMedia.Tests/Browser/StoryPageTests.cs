using Microsoft.Playwright;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>The story page in headless Chromium against a real in-process server. No sleeps: every wait is on what the page shows.</summary>
public sealed class StoryPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const int LongStory = 12;
    private readonly List<IBrowserContext> contexts = [];
    private readonly HttpClient api = fixture.Service.Client(BrowserFixture.DevelopmentUser);

    private async Task<StoryPage> SignedInPageAsync(int width = 1280, int height = 860)
    {
        var page = await fixture.NewPageAsync(width, height);
        contexts.Add(page.Context);
        var story = new StoryPage(page);
        await story.SignInAsDevelopmentUserAsync();
        return story;
    }

    [Fact]
    public async Task A_story_written_on_the_page_gets_an_image_for_every_scene_with_live_progress()
    {
        var ui = await SignedInPageAsync();
        var page = ui.Page;
        await page.GetByLabel("Title").FillAsync("The Lantern Fox");
        await page.GetByLabel("Style", new() { Exact = true }).FillAsync("Storybook ink");
        await page.GetByLabel("Scenes", new() { Exact = true }).FillAsync(
            "At dusk the fox lights a paper lantern under the old oak.\n\n" +
            "She carries it across the frozen river, where the stars lie on the ice.\n\n" +
            "On the far hill the owls wait, and the lantern becomes a new moon.");
        await Expect(page.GetByText("3 scenes")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create story" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The Lantern Fox" })).ToBeVisibleAsync();
        await Expect(page.Locator(".scene .placeholder")).ToHaveCountAsync(3);

        await ui.Generate.ClickAsync();
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");
        await ui.WaitUntilCompletedAsync();
        await Expect(ui.Percent).ToHaveTextAsync("100 %");
        await Expect(page.Locator("[data-role=done]")).ToHaveTextAsync("3 of 3 scenes done");
        await ui.WaitForLoadedImagesAsync(3);
        var first = await ui.ImageSourcesAsync();

        // A second run, with instructions, replaces every image once it completes. Mid-way it is the README's screenshot.
        await page.GetByLabel("Instructions").FillAsync("warm lantern light, snow falling");
        await ui.Generate.ClickAsync();
        await Expect(page.Locator(".scene[data-state=rendered]").First).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "screenshot-generating.png") });
        await ui.WaitUntilCompletedAsync();
        await ui.WaitForLoadedImagesAsync(3);
        Assert.Empty((await ui.ImageSourcesAsync()).Intersect(first));
        await Expect(ui.History).ToHaveCountAsync(2);
        await Expect(ui.History.Locator(".badge.completed")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task A_double_click_on_generate_starts_exactly_one_job()
    {
        var story = await api.CreateStoryAsync(scenes: 3);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);

        await ui.Generate.DblClickAsync();
        await ui.WaitUntilCompletedAsync();

        var job = Assert.Single(await api.ImageJobsAsync(story.Id));
        Assert.Equal(JobStatus.Completed, job.Status);
        await Expect(ui.Dialog).ToBeHiddenAsync();
        await Expect(ui.History).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_second_tab_meets_the_already_in_progress_dialog_where_cancel_keeps_the_job_and_clear_retries()
    {
        var story = await api.CreateStoryAsync(scenes: LongStory);
        var first = await SignedInPageAsync();
        await first.OpenStoryAsync(story.Id);
        var second = new StoryPage(await first.Page.Context.NewPageAsync());
        await second.OpenStoryAsync(story.Id);

        await first.Generate.ClickAsync();
        await Expect(first.ProgressStatus).ToHaveTextAsync("Generating images");
        var running = Assert.Single(await api.ImageJobsAsync(story.Id));

        await second.Generate.ClickAsync();
        await Expect(second.Dialog).ToBeVisibleAsync();
        await Expect(second.Dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync(StoryPage.ConflictSentence);
        await Expect(second.Dialog).ToContainTextAsync("Last heartbeat");
        await second.DialogCancel.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();
        Assert.Equal(JobStatus.Processing, (await api.GetJobAsync(running.Id)).Status);
        Assert.Single(await api.ImageJobsAsync(story.Id));
        // Having learned of the job, the second tab follows it instead of offering a start that would be refused.
        await Expect(second.ProgressStatus).ToHaveTextAsync("Generating images");

        await second.ClearStuckJob.ClickAsync();
        await Expect(second.Dialog).ToBeVisibleAsync();
        await second.DialogConfirm.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();

        // The first tab learns over its event stream that its job was cleared.
        await Expect(first.ProgressStatus).ToHaveTextAsync("Failed");
        var old = await api.GetJobAsync(running.Id);
        Assert.Equal(JobStatus.Failed, old.Status);
        Assert.False(string.IsNullOrWhiteSpace(old.Error));
        await second.WaitUntilCompletedAsync();
        await second.WaitForLoadedImagesAsync(LongStory);
        var jobs = await api.ImageJobsAsync(story.Id);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(JobStatus.Completed, jobs.Single(j => j.Id != running.Id).Status);
    }

    [Fact]
    public async Task The_dialog_can_be_reached_confirmed_and_dismissed_with_the_keyboard_alone()
    {
        var story = await api.CreateStoryAsync(scenes: LongStory);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);
        var running = await api.StartAsync(story.Id);

        await TabToAsync(ui, "start");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeVisibleAsync();
        Assert.Equal("cancel", await ui.FocusedRoleAsync());
        await ui.Page.Keyboard.PressAsync("Escape");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        Assert.Equal("start", await ui.FocusedRoleAsync());
        Assert.Equal(JobStatus.Processing, (await api.GetJobAsync(running.Id)).Status);

        await TabToAsync(ui, "clear-open");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeVisibleAsync();
        await ui.Page.Keyboard.PressAsync("Tab");
        Assert.Equal("confirm", await ui.FocusedRoleAsync());
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        await Expect(ui.History.Locator(".badge.failed")).ToHaveCountAsync(1);

        Assert.Equal(JobStatus.Failed, (await api.GetJobAsync(running.Id)).Status);
        await Expect(ui.History.Locator(".badge.processing, .badge.completed")).ToHaveCountAsync(1);
        var retried = (await api.ImageJobsAsync(story.Id)).Single(j => j.Id != running.Id);
        Assert.NotEqual(JobStatus.Failed, retried.Status);
    }

    [Fact]
    public async Task A_story_of_another_user_or_no_story_at_all_shows_a_readable_message()
    {
        using var strangersClient = fixture.Service.Client(Guid.NewGuid());
        var stranger = await strangersClient.CreateStoryAsync();
        var ui = await SignedInPageAsync();

        foreach (var id in new[] { stranger.Id.ToString(), Guid.NewGuid().ToString(), "not-a-story" })
        {
            await ui.Page.GotoAsync($"/#/stories/{id}");
            await Expect(ui.Notice).ToContainTextAsync("Story not found.");
            await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "This story cannot be shown" })).ToBeVisibleAsync();
            await Expect(ui.Notice).Not.ToContainTextAsync("{");
        }
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Back to your stories" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Your stories" })).ToBeVisibleAsync();
        await Expect(ui.Notice).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_host_app_signs_the_page_in_with_its_token_in_the_address_and_opens_a_story()
    {
        var user = Guid.NewGuid();
        using var client = fixture.Service.Client(user);
        var story = await client.CreateStoryAsync(title: "Handed over");
        var page = await fixture.NewPageAsync();
        contexts.Add(page.Context);

        await page.GotoAsync($"/#access_token={TestTokens.For(user)}&story_id={story.Id}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Handed over" })).ToBeVisibleAsync();
        Assert.DoesNotContain("access_token", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "All stories" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Handed over" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to StoryMedia" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_story_page_and_its_dialog_fit_a_375_pixel_phone_screen()
    {
        var story = await api.CreateStoryAsync(scenes: LongStory);
        var ui = await SignedInPageAsync(width: 375, height: 740);
        await ui.OpenStoryAsync(story.Id);
        Assert.False(await ScrollsSidewaysAsync(ui.Page), "The story page scrolls sideways at 375 px.");
        await Expect(ui.Generate).ToBeInViewportAsync();

        await api.StartAsync(story.Id);
        await ui.Generate.ClickAsync();
        await Expect(ui.DialogConfirm).ToBeInViewportAsync();
        await Expect(ui.DialogCancel).ToBeInViewportAsync();
        await ui.DialogCancel.ClickAsync();
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");
        Assert.False(await ScrollsSidewaysAsync(ui.Page), "The story page with a running job scrolls sideways at 375 px.");
    }

    private static Task<bool> ScrollsSidewaysAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth");

    private static async Task TabToAsync(StoryPage ui, string role)
    {
        for (var presses = 0; presses < 30; presses++)
        {
            if (await ui.FocusedRoleAsync() == role)
            {
                return;
            }
            await ui.Page.Keyboard.PressAsync("Tab");
        }
        Assert.Fail($"Tabbing never reached the [data-role={role}] control.");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }
        api.Dispose();
    }
}
