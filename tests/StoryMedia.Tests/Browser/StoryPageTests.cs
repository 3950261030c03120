using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SkiaSharp;
using StoryMedia.Jobs;
using StoryMedia.Testing;
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
    public async Task Two_tabs_on_one_story_follow_each_other_so_a_clear_and_retry_in_one_shows_in_the_other_with_its_progress_and_images()
    {
        var story = await Api.CreateStoryAsync(scenes: LongStory);
        var first = await SignedInPageAsync(width: 960, height: 720);
        await first.OpenStoryAsync(story.Id);
        var second = new StoryPage(await first.Page.Context.NewPageAsync());
        await second.OpenStoryAsync(story.Id);

        await first.Generate.ClickAsync();
        await Expect(first.ProgressStatus).ToHaveTextAsync("Generating images");
        var running = Assert.Single(await Api.ImageJobsAsync(story.Id));
        // The second tab follows the job the first started, with no click and no reload, down to its first new image.
        await Expect(second.ProgressStatus).ToHaveTextAsync("Generating images");
        await Expect(second.Previews.First).ToBeVisibleAsync();
        await Expect(second.Generate).ToHaveAttributeAsync("aria-disabled", "true");

        // The seed's dialog: Cancel keeps the job, "Clear stuck job and retry" clears it and starts another.
        await second.ClearStuckJob.ClickAsync();
        await Expect(second.Dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync(StoryPage.ConflictSentence);
        await Expect(second.Dialog).ToContainTextAsync("Last heartbeat");
        await second.DialogCancel.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();
        Assert.Equal(JobStatus.Processing, (await Api.GetJobAsync(running.Id)).Status);
        await second.ClearStuckJob.ClickAsync();
        await second.DialogConfirm.ClickAsync();
        await Expect(second.Dialog).ToBeHiddenAsync();

        // The first tab shows the cleared job failed in its history and follows the new one, whose previews it shows.
        var retried = await Eventually.ReadAsync(() => Api.ImageJobsAsync(story.Id), jobs => jobs.Count == 2, TimeSpan.FromSeconds(30),
            jobs => $"{jobs.Count} jobs after the retry");
        var newJob = retried.Single(j => j.Id != running.Id);
        await Expect(first.HistoryOf(running.Id).Locator(".badge.failed")).ToBeVisibleAsync();
        await Expect(first.HistoryOf(newJob.Id)).ToBeVisibleAsync();
        await Expect(first.ProgressStatus).ToHaveTextAsync(new Regex("^(Generating images|Completed)$"));
        await first.WaitForLoadedPreviewsAsync();
        await second.WaitForLoadedPreviewsAsync();
        await SaveSideBySideAsync("screenshot-two-tabs.png", first.Page, second.Page);
        await first.WaitUntilCompletedAsync();
        await first.WaitForLoadedImagesAsync(LongStory);
        await second.WaitForLoadedImagesAsync(LongStory);

        Assert.Equal(JobStatus.Failed, (await Api.GetJobAsync(running.Id)).Status);
        Assert.Equal(JobStatus.Completed, (await Api.GetJobAsync(newJob.Id)).Status);
        var published = (await Api.GetStoryAsync(story.Id)).Scenes.Select(s => s.ImageUrl).ToArray();
        Assert.Equal(published, await first.ImageSourcesAsync());
        Assert.Equal(published, await second.ImageSourcesAsync());
        await Expect(first.Previews).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_dialog_can_be_reached_confirmed_and_dismissed_with_the_keyboard_alone()
    {
        var story = await Api.CreateStoryAsync(scenes: LongStory);
        var ui = await SignedInPageAsync();
        await ui.OpenStoryAsync(story.Id);
        var running = await Api.StartAsync(story.Id);
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");

        await TabToAsync(ui, "clear-open");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Dialog).ToBeVisibleAsync();
        Assert.Equal("cancel", await ui.FocusedRoleAsync());
        await ui.Page.Keyboard.PressAsync("Escape");
        await Expect(ui.Dialog).ToBeHiddenAsync();
        Assert.Equal("clear-open", await ui.FocusedRoleAsync());
        Assert.Equal(JobStatus.Processing, (await Api.GetJobAsync(running.Id)).Status);

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
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");
        await ui.ClearStuckJob.ClickAsync();
        await Expect(ui.DialogConfirm).ToBeInViewportAsync();
        await Expect(ui.DialogCancel).ToBeInViewportAsync();
        await ui.DialogCancel.ClickAsync();
        await Expect(ui.ProgressStatus).ToHaveTextAsync("Generating images");
        Assert.False(await ScrollsSidewaysAsync(ui.Page), "The story page with a running job scrolls sideways at 375 px.");
    }

    [Fact]
    public async Task The_history_says_there_are_no_jobs_only_once_the_server_has_said_so()
    {
        var story = await Api.CreateStoryAsync(scenes: 2);
        var ui = await SignedInPageAsync();
        var answer = new TaskCompletionSource();
        static bool IsHistory(string url) => url.Contains("/api/image_jobs?story_id=", StringComparison.Ordinal);
        await ui.Page.RouteAsync(IsHistory, async route =>
        {
            await answer.Task;
            await route.ContinueAsync();
        });
        var asked = ui.Page.WaitForRequestAsync(request => IsHistory(request.Url));

        await ui.Page.GotoAsync($"/#/stories/{story.Id}");
        await asked;
        await Expect(ui.Generate).ToBeVisibleAsync();
        await Expect(ui.NoJobsYet).ToBeHiddenAsync();
        answer.SetResult();
        await Expect(ui.NoJobsYet).ToBeVisibleAsync();
    }

    /// <summary>Two tabs' screenshots side by side, at three quarters of their size, for the docs.</summary>
    private static async Task SaveSideBySideAsync(string name, IPage left, IPage right)
    {
        await Task.WhenAll(left.EvaluateAsync("() => window.scrollTo(0, 0)"), right.EvaluateAsync("() => window.scrollTo(0, 0)"));
        var shots = await Task.WhenAll(left.ScreenshotAsync(), right.ScreenshotAsync());
        using var a = SKBitmap.Decode(shots[0]);
        using var b = SKBitmap.Decode(shots[1]);
        const float scale = 0.75f;
        const int gap = 16;
        using var surface = SKSurface.Create(new SKImageInfo((int)((a.Width + b.Width + gap) * scale), (int)(Math.Max(a.Height, b.Height) * scale)));
        surface.Canvas.Clear(new SKColor(0x44, 0x44, 0x44));
        surface.Canvas.Scale(scale);
        using var paint = new SKPaint();
        surface.Canvas.DrawImage(SKImage.FromBitmap(a), 0, 0, new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        surface.Canvas.DrawImage(SKImage.FromBitmap(b), a.Width + gap, 0, new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, name), surface.Snapshot().Encode(SKEncodedImageFormat.Png, 100).ToArray());
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
