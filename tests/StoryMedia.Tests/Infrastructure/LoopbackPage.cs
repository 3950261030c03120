using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>One HTML page on a loopback port of its own: another origin, such as a host app that embeds StoryMedia's page.</summary>
public sealed class LoopbackPage : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackPage(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<LoopbackPage> StartAsync(string html)
    {
        var app = Loopback.BuildApp();
        app.MapGet("/", () => Results.Content(html, "text/html"));
        await app.StartAsync();
        var address = app.Address();
        return new LoopbackPage(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
