using System.Globalization;
using Microsoft.Playwright;
using StoryMedia.Auth;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Browser;

/// <summary>
/// One StoryMedia instance (Development, so the page's development sign-in exists) and one headless Debian
/// Chromium for a test class. Images take a configured time each, so a job runs long enough to be watched;
/// videos are tiny (160×90, 10 frames a second, a second a scene) so ffmpeg renders one in about a second.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Per image; a 12-scene job runs about 6 s, time enough for a second tab to meet it.</summary>
    public static readonly TimeSpan DelayPerImage = TimeSpan.FromMilliseconds(500);

    /// <summary>How long each scene is shown in a video; a story's video lasts scenes × this.</summary>
    public const double SecondsPerScene = 1;

    private IPlaywright? playwright;
    private LoopbackPage? hostApp;
    private ServiceInstance? instance;
    private IBrowser? browser;

    public ServiceInstance Service => instance ?? throw new InvalidOperationException("The fixture is not started.");

    public IBrowser Browser => browser ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>A host app's page on another loopback origin, the one listed in <c>Security:HostOrigins</c>.</summary>
    public LoopbackPage HostApp => hostApp ?? throw new InvalidOperationException("The fixture is not started.");

    /// <summary>The user the page's "Continue as development user" signs in as.</summary>
    public static Guid DevelopmentUser => DevTokenApi.DevelopmentUser;

    public virtual async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The browser tests drive Debian's Chromium at {ChromiumPath}, which is missing. " +
                "Install it with `apt-get install -y chromium` (./test.sh does this on a fresh machine).");
        }
        Assertions.SetDefaultExpectTimeout(30_000);
        hostApp = await LoopbackPage.StartAsync(HostAppPage.Html);
        var settings = new Dictionary<string, string?>(await MoreSettingsAsync())
        {
            ["Images:Builtin:DelayPerImage"] = DelayPerImage.ToString(),
            ["Video:Width"] = "160",
            ["Video:Height"] = "90",
            ["Video:FrameRate"] = "10",
            ["Video:SecondsPerScene"] = SecondsPerScene.ToString(CultureInfo.InvariantCulture),
            ["Video:CrossfadeSeconds"] = "0.2",
            ["Video:Preset"] = "ultrafast",
            // A test embeds the page in a host app's page; the default frame-ancestors 'none' would forbid that.
            ["Security:FrameAncestors"] = "http://127.0.0.1:*",
            // The one host app that may hand the page a token by message.
            ["Security:HostOrigins"] = hostApp.Address.Origin(),
        };
        instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings, environment: "Development");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser profile (its own storage, so signed out) with one page.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 860)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = Service.BaseAddress.ToString() });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>Settings a fixture of another setup adds, e.g. another media store.</summary>
    protected virtual Task<IDictionary<string, string?>> MoreSettingsAsync() => Task.FromResult<IDictionary<string, string?>>(new Dictionary<string, string?>());

    public virtual async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }
        playwright?.Dispose();
        if (instance is not null)
        {
            await instance.DisposeAsync();
        }
        if (hostApp is not null)
        {
            await hostApp.DisposeAsync();
        }
    }
}
