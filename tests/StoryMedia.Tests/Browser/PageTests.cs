using Microsoft.Playwright;
using StoryMedia.Auth;

namespace StoryMedia.Tests.Browser;

/// <summary>What the page tests share: the class's server and browser, an API client as the development user, and clean-up.</summary>
public abstract class PageTests(BrowserFixture fixture) : IAsyncLifetime
{
    private readonly List<IBrowserContext> contexts = [];

    protected BrowserFixture Fixture => fixture;

    /// <summary>The API as the user the page's development sign-in signs in as.</summary>
    protected HttpClient Api { get; } = fixture.Service.Client(DevTokenApi.DevelopmentUser);

    protected async Task<IPage> NewPageAsync(int width = 1280, int height = 860)
    {
        var page = await fixture.NewPageAsync(width, height);
        contexts.Add(page.Context);
        return page;
    }

    internal async Task<StoryPage> SignedInPageAsync(int width = 1280, int height = 860)
    {
        var story = new StoryPage(await NewPageAsync(width, height));
        await story.SignInAsDevelopmentUserAsync();
        return story;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }
        Api.Dispose();
    }
}
