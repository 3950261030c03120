using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// A real StoryMedia instance in this process, listening on a free loopback port, started through the
/// same wiring as Program.cs. Several may share one database.
/// </summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServiceInstance(WebApplication app, Uri address)
    {
        this.app = app;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<ServiceInstance> StartAsync(
        Backend backend,
        IDictionary<string, string?>? settings = null,
        string environment = "Production",
        Action<IServiceCollection>? services = null)
    {
        var root = TempDirectory.Create("instance");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment,
            ContentRootPath = root,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = backend.Provider,
            ["ConnectionStrings:StoryMedia"] = backend.ConnectionString,
            ["Auth:JwtSecret"] = TestTokens.SecretSettingFor(root, environment),
            ["Media:Path"] = Path.Combine(root, "media"),
            ["Jobs:PollInterval"] = "00:00:00.200",
            ["Jobs:EventPollInterval"] = "00:00:00.100",
            // A disposed test instance hands its running jobs back at once instead of letting them finish;
            // the shutdown tests set a grace of their own.
            ["Jobs:ShutdownGrace"] = "00:00:00",
        });
        builder.Configuration.AddInMemoryCollection(TestSettings.NoRateLimits!);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(TestLog.Provider);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        services?.Invoke(builder.Services);
        builder.AddStoryMedia();
        var app = builder.Build();
        try
        {
            await app.Services.MigrateAsync();
            app.UseStoryMedia();
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var address = app.Address();
        return new ServiceInstance(app, address);
    }

    /// <summary>An HTTP client signed in as <paramref name="user"/>, or anonymous.</summary>
    public HttpClient Client(Guid? user = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (user is { } id)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(id));
        }
        return client;
    }

    public T Get<T>()
        where T : notnull => app.Services.GetRequiredService<T>();

    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
