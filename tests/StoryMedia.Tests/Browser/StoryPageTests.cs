using System.Text.RegularExpressions;
using Microsoft.Playwright;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>Generating images on the story page in headless Chromium against a real in-process server. No sleeps: every wait is on what the page shows.</summary>
public sealed class StoryPageTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    private const int LongStory = 12;

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
        await Expect(ui.Panel.Locator("[data-role=done]")).ToHaveTextAsync("3 of 3 scenes done");
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
    public async Task A_job_that_waits_for_a_free_worker_says_how_many_jobs_are_ahead_and_then_runs()
    {
        // The server's two workers are busy with other stories' long jobs, and two more wait.
        var others = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Api.CreateStoryAsync(scenes: LongStory)));
        var busy = new List<JobView>();
        foreach (var other in others)
        {
            busy.Add(await Api.StartAsync(other.Id));
        }
        await Api.WaitForJobAsync(busy[0].Id, j => j.Attempts == 1);
        await Api.WaitForJobAsync(busy[1].Id, j => j.Attempts == 1);
        var story = await Api.CreateStoryAsync(scenes: 1);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);

        await ui.Generate.ClickAsync();

        // Two ahead, or one if a busy job finished while the page loaded on a slow machine.
        await Expect(ui.ProgressStatus).ToHaveTextAsync(new Regex("^Waiting: (2 jobs|1 job) ahead of yours$"));
        foreach (var other in others)
        {
            await Api.ClearAsync(other.Id);
        }
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");
        await ui.WaitUntilCompletedAsync();
        Assert.Equal(1, Assert.Single(await Api.ImageJobsAsync(story.Id)).Attempts);
    }

    [Fact]
    public async Task A_double_click_on_generate_starts_exactly_one_job()
    {
        var story = await Api.CreateStoryAsync(scenes: 3);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);

        await ui.Generate.DblClickAsync();
        await ui.WaitUntilCompletedAsync();

        var job = Assert.Single(await Api.ImageJobsAsync(story.Id));
        Assert.Equal(JobStatus.Completed, job.Status);
        await Expect(ui.Dialog).ToBeHiddenAsync();
        await Expect(ui.History).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_second_tab_meets_the_already_in_progress_dialog_where_cancel_keeps_the_job_and_clear_retries()
    {
        var story = await Api.CreateStoryAsync(scenes: LongStory);
        var first = await SignedInPageAsync();
        await first.OpenStoryAsync(story.Id);
        var second = new StoryPage(await first.Page.Context.NewPageAsync());
        await second.OpenStoryAsync(story.Id);

        await first.Generate.ClickAsync();
        await Expect(first.ProgressStatus).ToHaveTextAsync("Generating images");
        var running = Assert.Single(await Api.ImageJobsAsync(story.Id));

        await second.Generate.ClickAsync();
        await Expect(second.Dialog).ToBeVisibleAsync();
        await Expect(second.Dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync(StoryPage.ConflictSentence);
        await Expect(second.Dialog).ToContainTextAsync("Last heartbeat");
        await second.DialogCancel.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();
        Assert.Equal(JobStatus.Processing, (await Api.GetJobAsync(running.Id)).Status);
        Assert.Single(await Api.ImageJobsAsync(story.Id));
        // Having learned of the job, the second tab follows it instead of offering a start that would be refused.
        await Expect(second.ProgressStatus).ToHaveTextAsync("Generating images");

        await second.ClearStuckJob.ClickAsync();
        await Expect(second.Dialog).ToBeVisibleAsync();
        await second.DialogConfirm.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();

        // The first tab learns over its event stream that its job was cleared.
        await Expect(first.ProgressStatus).ToHaveTextAsync("Failed");
        var old = await Api.GetJobAsync(running.Id);
        Assert.Equal(JobStatus.Failed, old.Status);
        Assert.False(string.IsNullOrWhiteSpace(old.Error));
        await second.WaitUntilCompletedAsync();
        await second.WaitForLoadedImagesAsync(LongStory);
        var jobs = await Api.ImageJobsAsync(story.Id);
        Assert.Equal(2, jobs.Count);
        Assert.Equal(JobStatus.Completed, jobs.Single(j => j.Id != running.Id).Status);
    }

    [Fact]
    public async Task The_dialog_can_be_reached_confirmed_and_dismissed_with_the_keyboard_alone()
    {
        var story = await Api.CreateStoryAsync(scenes: LongStory);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);
        var running = await Api.StartAsync(story.Id);

        await TabToAsync(ui, "start");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeVisibleAsync();
        Assert.Equal("cancel", await ui.FocusedRoleAsync());
        await ui.Page.Keyboard.PressAsync("Escape");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        Assert.Equal("start", await ui.FocusedRoleAsync());
        Assert.Equal(JobStatus.Processing, (await Api.GetJobAsync(running.Id)).Status);

        await TabToAsync(ui, "clear-open");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeVisibleAsync();
        await ui.Page.Keyboard.PressAsync("Tab");
        Assert.Equal("confirm", await ui.FocusedRoleAsync());
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        await Expect(ui.History.Locator(".badge.failed")).ToHaveCountAsync(1);

        Assert.Equal(JobStatus.Failed, (await Api.GetJobAsync(running.Id)).Status);
        await Expect(ui.History.Locator(".badge.processing, .badge.completed")).ToHaveCountAsync(1);
        var retried = (await Api.ImageJobsAsync(story.Id)).Single(j => j.Id != running.Id);
        Assert.NotEqual(JobStatus.Failed, retried.Status);
    }

    [Fact]
    public async Task The_story_page_and_its_dialog_fit_a_375_pixel_phone_screen()
    {
        var story = await Api.CreateStoryAsync(scenes: LongStory);
        var ui = await SignedInPageAsync(width: 375, height: 740);
        await ui.OpenStoryAsync(story.Id);
        Assert.False(await ScrollsSidewaysAsync(ui.Page), "The story page scrolls sideways at 375 px.");
        await Expect(ui.Generate).ToBeInViewportAsync();

        await Api.StartAsync(story.Id);
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
}
