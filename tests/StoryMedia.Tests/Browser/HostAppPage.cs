using Microsoft.Playwright;

namespace StoryMedia.Tests.Browser;

/// <summary>
/// A host app's page, served from a loopback origin of its own: it embeds StoryMedia's page in an iframe, answers
/// its "ready" with a token as docs/web-page.md tells a host app to, and lists every message it receives.
/// </summary>
internal static class HostAppPage
{
    public const string Html = """
        <!doctype html>
        <title>Host app</title>
        <ol id="received"></ol>
        <script>
          let answer = null;
          addEventListener('message', e => {
            const item = document.createElement('li');
            item.textContent = `${e.data?.type} from ${e.origin}`;
            document.getElementById('received').append(item);
            if (e.data?.type === 'storymedia:ready' && answer) e.source.postMessage({ type: 'storymedia:session', access_token: answer }, e.origin);
          });
          window.embed = (url, token) => {
            answer = token;
            const frame = document.createElement('iframe');
            Object.assign(frame, { id: 'storymedia', src: url, width: 1000, height: 700 });
            document.body.append(frame);
          };
          window.send = token => document.getElementById('storymedia').contentWindow.postMessage({ type: 'storymedia:session', access_token: token }, '*');
        </script>
        """;

    /// <summary>Opens the host page at <paramref name="host"/> and embeds StoryMedia, which the host answers with <paramref name="token"/>.</summary>
    public static async Task<IFrameLocator> EmbedAsync(IPage page, Uri host, Uri storyMedia, string token)
    {
        await page.GotoAsync(host.ToString());
        await page.EvaluateAsync("([url, token]) => embed(url, token)", new[] { storyMedia.ToString(), token });
        return page.FrameLocator("#storymedia");
    }

    /// <summary>Posts a token to the embedded page unasked.</summary>
    public static Task SendAsync(IPage page, string token) => page.EvaluateAsync("token => send(token)", token);

    /// <summary>The messages the host has received, each as "type from origin".</summary>
    public static ILocator Received(IPage page) => page.Locator("#received > li");

    public static string Origin(this Uri address) => address.GetLeftPart(UriPartial.Authority);
}
