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
    public async Task A_link_with_a_token_asks_whose_account_it_is_and_signs_in_and_opens_its_story_only_on_Continue()
    {
        var user = Guid.NewGuid();
        using var client = Fixture.Service.Client(user);
        var story = await client.CreateStoryAsync(title: "Handed over");
        var ui = new StoryPage(await NewPageAsync());
        var page = ui.Page;

        await page.GotoAsync($"/#access_token={TestTokens.For(user, email: "ada@example.com")}&story_id={story.Id}");

        await Expect(ui.SignInQuestion).ToContainTextAsync("Sign in with this account?");
        Assert.DoesNotContain("access_token", page.Url, StringComparison.Ordinal);
        await Expect(ui.SignInQuestion).ToContainTextAsync("A link wants to sign you in to StoryMedia as:");
        await Expect(ui.SignInQuestion).ToContainTextAsync("ada@example.com");
        await Expect(ui.SignInQuestion).ToContainTextAsync(user.ToString());
        await Expect(page.Locator("#signin-title")).ToBeVisibleAsync();
        await Expect(ui.AccountName).ToBeHiddenAsync();

        await ui.SignInQuestion.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Handed over" })).ToBeVisibleAsync();
        await Expect(ui.AccountName).ToHaveTextAsync("ada@example.com");
        await page.GetByRole(AriaRole.Link, new() { Name = "All stories" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Handed over" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to StoryMedia" })).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Continue as development user" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_link_for_another_account_shows_both_and_Cancel_keeps_the_writer_signed_in_while_their_own_new_token_is_taken_quietly()
    {
        var stranger = Guid.NewGuid();
        using var strangersClient = Fixture.Service.Client(stranger);
        var theirs = await strangersClient.CreateStoryAsync(title: "The stranger's story");
        var ui = await SignedInPageAsync();

        await ui.Page.GotoAsync($"/#access_token={TestTokens.For(stranger, email: "mallory@example.com")}&story_id={theirs.Id}");

        await Expect(ui.SignInQuestion).ToContainTextAsync("Switch to another account?");
        Assert.DoesNotContain("access_token", ui.Page.Url, StringComparison.Ordinal);
        await Expect(ui.SignInQuestion).ToContainTextAsync("mallory@example.com");
        await Expect(ui.SignInQuestion).ToContainTextAsync(stranger.ToString());
        await Expect(ui.SignInQuestion).ToContainTextAsync("You are signed in as:");
        await Expect(ui.SignInQuestion).ToContainTextAsync(BrowserFixture.DevelopmentUser.ToString());
        await Expect(ui.AccountName).ToHaveTextAsync("Development user");

        await ui.SignInQuestion.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await Expect(ui.SignInQuestion).ToBeHiddenAsync();
        await Expect(ui.Notice).ToContainTextAsync("Story not found.");
        await Expect(ui.AccountName).ToHaveTextAsync("Development user");
        await ui.Page.ReloadAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "This story cannot be shown" })).ToBeVisibleAsync();
        await Expect(ui.AccountName).ToHaveTextAsync("Development user");

        // A host refreshing the writer's own session: no question, the newer token (here with an email) is used.
        await ui.Page.GotoAsync($"/#access_token={TestTokens.For(BrowserFixture.DevelopmentUser, email: "dev@example.com")}");
        await Expect(ui.AccountName).ToHaveTextAsync("dev@example.com");
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Your stories" })).ToBeVisibleAsync();
        Assert.False(await ui.SignInQuestion.IsVisibleAsync());
    }

    [Fact]
    public async Task A_host_app_at_a_listed_origin_signs_the_embedded_page_in_by_message_only_after_Continue_and_never_switches_accounts_unasked()
    {
        var user = Guid.NewGuid();
        using var client = Fixture.Service.Client(user);
        await client.CreateStoryAsync(title: "Sent by message");
        var page = await NewPageAsync();
        var host = Fixture.HostApp.Address.Origin();

        // The host answers the page's "ready" with the token. It is a real loopback origin: the service allows
        // those to frame it here, and Chromium lets no other frame loopback.
        var frame = await HostAppPage.EmbedAsync(page, Fixture.HostApp.Address, Fixture.Service.BaseAddress, TestTokens.For(user, email: "ada@example.com"));
        var question = frame.Locator(StoryPage.SignInQuestionSelector);

        await Expect(question).ToContainTextAsync($"The app at {host} wants to sign you in to StoryMedia as:");
        await Expect(question).ToContainTextAsync(user.ToString());
        await Expect(frame.Locator("#signin-title")).ToBeVisibleAsync();
        await Expect(HostAppPage.Received(page)).ToHaveTextAsync([$"storymedia:ready from {Fixture.Service.BaseAddress.Origin()}"]);
        await question.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(frame.GetByRole(AriaRole.Link, new() { Name = "Sent by message" })).ToBeVisibleAsync();

        var other = Guid.NewGuid();
        await HostAppPage.SendAsync(page, TestTokens.For(other, email: "mallory@example.com"));

        await Expect(question).ToContainTextAsync("Switch to another account?");
        await Expect(question).ToContainTextAsync(other.ToString());
        await Expect(question).ToContainTextAsync(user.ToString());
        await question.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(question).ToBeHiddenAsync();
        await Expect(frame.Locator("#account-name")).ToHaveTextAsync("ada@example.com");
        await Expect(frame.GetByRole(AriaRole.Link, new() { Name = "Sent by message" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_host_app_at_an_origin_not_listed_gets_no_ready_message_and_its_tokens_are_ignored()
    {
        var user = Guid.NewGuid();
        var token = TestTokens.For(user);
        await using var stranger = await LoopbackPage.StartAsync(HostAppPage.Html);
        var page = await NewPageAsync();

        var frame = await HostAppPage.EmbedAsync(page, stranger.Address, Fixture.Service.BaseAddress, token);
        // The hint appears once the page knows the listed origins, after it has posted "ready" to them.
        await Expect(frame.Locator("[data-role=host-hint]")).ToContainTextAsync($"from {Fixture.HostApp.Address.Origin()}, by postMessage");
        await page.EvaluateAsync(
            "token => new Promise(done => { let n = 0; const t = setInterval(() => { send(token); if (++n === 20) { clearInterval(t); done(); } }, 50); })",
            token);

        Assert.False(await frame.Locator(StoryPage.SignInQuestionSelector).IsVisibleAsync());
        await Expect(frame.GetByRole(AriaRole.Heading, new() { Name = "Sign in to StoryMedia" })).ToBeVisibleAsync();
        await Expect(frame.Locator("#account")).ToBeHiddenAsync();
        // Posted to '*', "ready" would have reached this host too.
        Assert.Equal(0, await HostAppPage.Received(page).CountAsync());
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
            // The document's policy is the one in force; an event stream, which never ends, must not be fetched whole.
            if (route.Request.ResourceType != "document")
            {
                await route.ContinueAsync();
                return;
            }
            var response = await route.FetchAsync();
            var headers = new Dictionary<string, string>(response.Headers)
            {
                // The service's own policy: a running job's previews are shown from blob: URLs.
                ["content-security-policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'",
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
