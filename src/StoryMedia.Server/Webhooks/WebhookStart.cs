using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StoryMedia.Http;

namespace StoryMedia.Webhooks;

/// <summary>A start's <c>webhook_url</c> and <c>webhook_events</c>, checked before anything is written.</summary>
public sealed class WebhookStart(WebhookDestinations destinations, IOptions<WebhookOptions> options)
{
    /// <summary>The subscription (null when the start names no destination), or a 400 naming the field.</summary>
    public bool TryRead(string? url, IReadOnlyList<string?>? events, out WebhookSubscription? subscription, out ValidationProblem? invalid)
    {
        subscription = null;
        invalid = null;
        if (url is null)
        {
            if (events is not null)
            {
                invalid = Problems.Invalid("webhook_events", "needs a webhook_url to send the events to.");
            }
            return invalid is null;
        }
        if (!options.Value.Enabled)
        {
            invalid = Problems.Invalid("webhook_url", "cannot be used: webhooks are off on this service (its operator has not set Webhooks:Secret).");
        }
        else if (destinations.Refusal(url) is { } refusal)
        {
            invalid = Problems.Invalid("webhook_url", refusal);
        }
        else if (events is { Count: 0 })
        {
            invalid = Problems.Invalid("webhook_events", $"must name at least one of {WebhookEvents.Names}, or be left out for the job's end.");
        }
        else if (events is not null && WebhookEvents.Unknown(events) is { Count: > 0 } unknown)
        {
            invalid = TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["webhook_events"] = [$"names unknown events: {string.Join(", ", unknown)}; the events are {WebhookEvents.Names}."] },
                detail: $"webhook_events names unknown events: {string.Join(", ", unknown)}.",
                title: "The request is not valid.",
                extensions: new Dictionary<string, object?> { ["unknown_events"] = unknown });
        }
        if (invalid is not null)
        {
            return false;
        }
        subscription = new WebhookSubscription(url, events is null ? WebhookEvents.Default : [.. events.OfType<string>().Distinct(StringComparer.Ordinal)]);
        return true;
    }
}
