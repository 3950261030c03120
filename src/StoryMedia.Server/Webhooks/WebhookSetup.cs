using Microsoft.Extensions.Options;
using StoryMedia.Events;
using StoryMedia.Operations;

namespace StoryMedia.Webhooks;

public static class WebhookSetup
{
    /// <summary>The webhooks: options checked at start (a malformed secret stops the service), the outbox, and the deliverer.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddExplainedOptions<WebhookOptions>(configuration.GetSection("Webhooks"));
        services.AddSingleton<IValidateOptions<WebhookOptions>, DeploymentUrlValidation>();
        services.AddSingleton<WebhookDestinations>();
        services.AddSingleton<WebhookSigner>();
        services.AddSingleton<WebhookStore>();
        // The change log hands every event to the outbox in the event's own transaction.
        services.AddSingleton<IStoryEventSink>(sp => sp.GetRequiredService<WebhookStore>());
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookStart>();
        services.AddSingleton<DeliveryWakeups>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWakeups>());
        services.AddHostedService<WebhookDeliverer>();
        services.AddHttpClient(WebhookSender.ClientName, (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            // Every connection goes through the address check; a proxy would connect for us and skip it.
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                ConnectCallback = sp.GetRequiredService<WebhookDestinations>().ConnectAsync,
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            })
            // A destination's URL may carry the host app's token: the client's request lines stay out of the log.
            .RemoveAllLoggers();
        return services;
    }

    /// <summary><c>Webhooks:Url</c> obeys the same rules as a start's <c>webhook_url</c>, which depend on the environment.</summary>
    private sealed class DeploymentUrlValidation(IHostEnvironment environment) : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
            options.Url is { Length: > 0 } url && new WebhookDestinations(Options.Create(options), environment).Refusal(url) is { } refusal
                ? ValidateOptionsResult.Fail($"Webhooks:Url {refusal}")
                : ValidateOptionsResult.Success;
    }
}
