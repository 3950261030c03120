using Microsoft.Playwright;
using StoryMedia.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace StoryMedia.Tests.Browser;

/// <summary>How the page signs in, what it shows when the API refuses, and that it needs no inline code.</summary>
public sealed class PageSignInTests(BrowserFixture fixture) : PageTests(fixture), IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_story_of_another_user_or_no_story_at_all_shows_a_readable_message()
    {
        using var strangersClient = Fixture.Service.Client(Guid.NewGuid());
        var stranger = await strangersClient.CreateStoryAsync();
        var ui = await SignedInPageAsync();

        foreach (var id in new[] { stranger.Id.ToString(), Guid.NewGuid().ToString(), "not-a-story" })
        {
            await ui.Page.GotoAsync("/#/");
            await Expect(ui.Notice).ToBeHiddenAsync();
            await ui.Page.GotoAsync($"/#/stories/{id}");
            await Expect(ui.Notice).ToContainTextAsync("Story not found.");
            await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "This story cannot be shown" })).ToBeVisibleAsync();
            await Expect(ui.Notice).Not.ToContainTextAsync("{");
        }
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Back to your stories" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Your stories" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_host_app_signs_the_page_in_with_its_token_in_the_address_and_opens_a_story()
    {
        var user = Guid.NewGuid();
        using var client = Fixture.Service.Client(user);
        var story = await client.CreateStoryAsync(title: "Handed over");
        var page = await NewPageAsync();

        await page.GotoAsync($"/#access_token={TestTokens.For(user)}&story_id={story.Id}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Handed over" })).ToBeVisibleAsync();
        Assert.DoesNotContain("access_token", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "All stories" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Handed over" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to StoryMedia" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Continue as development user" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_host_app_that_embeds_the_page_hands_over_its_token_by_message()
    {
        var user = Guid.NewGuid();
        using var client = Fixture.Service.Client(user);
        await client.CreateStoryAsync(title: "Sent by message");
        var page = await NewPageAsync();

        // The host answers the page's "ready" with the token, as docs/web-page.md tells a host app to.
        // Embedded under another site, the page is denied storage and keeps the token in memory. The host is a
        // real loopback origin: the service allows those to frame it here, and Chromium lets no other frame loopback.
        await using var host = await LoopbackPage.StartAsync($$"""
            <script>
              addEventListener('message', e => {
                if (e.data?.type === 'storymedia:ready') e.source.postMessage({ type: 'storymedia:session', access_token: '{{TestTokens.For(user)}}' }, '*');
              });
            </script>
            <iframe id="storymedia" src="{{Fixture.Service.BaseAddress}}" width="1000" height="700"></iframe>
            """);
        await page.GotoAsync(host.Address.ToString());

        await Expect(page.FrameLocator("#storymedia").GetByRole(AriaRole.Link, new() { Name = "Sent by message" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_page_works_under_a_content_security_policy_without_inline_code()
    {
        var story = await Api.CreateStoryAsync(scenes: 2);
        var page = await NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        await page.RouteAsync("**/*", async route =>
        {
            var response = await route.FetchAsync();
            var headers = new Dictionary<string, string>(response.Headers)
            {
                ["content-security-policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'",
            };
            await route.FulfillAsync(new() { Response = response, Headers = headers });
        });
        var ui = new StoryPage(page);

        await ui.SignInAsDevelopmentUserAsync();
        await ui.OpenStoryAsync(story.Id);
        await ui.Generate.ClickAsync();
        await ui.WaitUntilCompletedAsync();
        await ui.WaitForLoadedImagesAsync(2);

        Assert.Empty(violations);
        // The policy was in force: an inline script is refused.
        Assert.False(await page.EvaluateAsync<bool>(
            "() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.head.append(s); return window.inlineRan === true; }"));
    }
}
