using Microsoft.Playwright;
using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>What a test sees and does on the page, named as a writer would, in one kind's job panel (image or video).</summary>
internal sealed class StoryPage(IPage page, string kind = "image")
{
    public const string ConflictSentence = "Image generation already in progress. Clear stuck job?";

    public IPage Page => page;

    /// <summary>This kind's job panel; the story page carries one per kind of job.</summary>
    public ILocator Panel => page.Locator($".job-panel[data-kind={kind}]");

    public ILocator Generate => Panel.Locator("[data-role=start]");

    public ILocator ProgressStatus => Panel.Locator(".progress-status");

    public ILocator Percent => Panel.Locator("[data-role=percent]");

    public ILocator ClearStuckJob => Panel.GetByRole(AriaRole.Button, new() { Name = "Clear stuck job…" });

    public ILocator Dialog => page.Locator($"dialog[data-role=conflict][data-kind={kind}]");

    public ILocator DialogCancel => Dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" });

    public ILocator DialogConfirm => Dialog.GetByRole(AriaRole.Button, new() { Name = "Clear stuck job and retry" });

    public ILocator Notice => page.Locator("#notice");

    /// <summary>The question a token handed over by a link or a host app asks before it signs in.</summary>
    public ILocator SignInQuestion => page.Locator(SignInQuestionSelector);

    public const string SignInQuestionSelector = "dialog[data-role=sign-in]";

    /// <summary>Who the page's top bar says is signed in.</summary>
    public ILocator AccountName => page.Locator("#account-name");

    /// <summary>The panel's error box (role=alert): refusals the writer can act on.</summary>
    public ILocator Error => Panel.Locator("[data-role=error]");

    public ILocator Player => page.Locator("video[data-role=player]");

    public ILocator History => Panel.Locator("[data-role=history] > li");

    /// <summary>What the panel's history says when the story has no job of the kind.</summary>
    public ILocator NoJobsYet => Panel.Locator(".job-history").GetByText("No jobs yet.");

    /// <summary>One job's line in the panel's history.</summary>
    public ILocator HistoryOf(Guid jobId) => Panel.Locator($"[data-role=history] > li[data-job-id='{jobId}']");

    /// <summary>The scenes' new images a running job has made, shown before it publishes them.</summary>
    public ILocator Previews => page.Locator(".scene img[data-role=preview]");

    public ILocator EditScenes => page.GetByRole(AriaRole.Button, new() { Name = "Edit scenes" });

    public ILocator SceneEditor => page.Locator("[data-role=scene-editor]");

    public ILocator SaveScenes => SceneEditor.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true });

    /// <summary>The scenes' texts as the story shows them, in order.</summary>
    public ILocator SceneTexts => page.Locator(".scene .scene-text");

    public async Task SignInAsDevelopmentUserAsync()
    {
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue as development user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your stories" })).ToBeVisibleAsync();
    }

    public async Task OpenStoryAsync(Guid storyId)
    {
        await page.GotoAsync($"/#/stories/{storyId}");
        // The panel has read the story's job history once it shows either jobs or none.
        await Expect(NoJobsYet.Or(History.First)).ToBeVisibleAsync();
    }

    public Task WaitUntilCompletedAsync() => Expect(ProgressStatus).ToHaveTextAsync("Completed");

    /// <summary>Waits until every scene shows an image the browser has loaded and decoded.</summary>
    public Task WaitForLoadedImagesAsync(int scenes) =>
        page.WaitForFunctionAsync(
            """
            n => {
              const images = [...document.querySelectorAll('.scene img')];
              return images.length === n && images.every(i => i.complete && i.naturalWidth > 0);
            }
            """,
            scenes);

    /// <summary>Waits until the page shows at least one preview and the browser has decoded every one it shows.</summary>
    public Task WaitForLoadedPreviewsAsync() =>
        page.WaitForFunctionAsync(
            """
            () => {
              const previews = [...document.querySelectorAll('.scene img[data-role=preview]')];
              return previews.length > 0 && previews.every(i => i.complete && i.naturalWidth > 0);
            }
            """);

    public Task<string[]> ImageSourcesAsync() =>
        page.Locator(".scene img").EvaluateAllAsync<string[]>("images => images.map(i => i.getAttribute('src'))");

    public Task<string?> FocusedRoleAsync() =>
        page.EvaluateAsync<string?>("() => document.activeElement?.dataset.role ?? null");
}

internal static class JobHistory
{
    public static Task<List<JobView>> ImageJobsAsync(this HttpClient client, Guid storyId) => client.JobsAsync(storyId, ImageJobKind.Paths);

    public static Task<List<JobView>> VideoJobsAsync(this HttpClient client, Guid storyId) => client.JobsAsync(storyId, VideoJobKind.Paths);
}
