using StoryMedia.Operations;

namespace StoryMedia.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section.</summary>
public sealed class WebhookOptions : IExplainedOptions
{
    /// <summary>
    /// The signing secret in the Standard Webhooks form, <c>whsec_</c> and the base64 of a 24–64 byte key. Without it
    /// webhooks are off: a start naming a <c>webhook_url</c> is refused, and <see cref="Url"/> must be empty.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>A destination for the events of every job, beside any a start names.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// The events <see cref="Url"/> receives (<c>Webhooks:Events:0</c>, …); none: a job's end. Empty by default, because the
    /// configuration binder adds to an array's default elements rather than replacing them.
    /// </summary>
    public string[] Events { get; set; } = [];

    public IReadOnlyList<string> DeploymentEvents => Events.Length > 0 ? Events : WebhookEvents.Default;

    /// <summary>
    /// Lets destinations be loopback, private, link-local or unique-local addresses, and plain http: for a receiver on
    /// the service's own network. Off, such an address is refused when the start names it and again when a delivery
    /// connects, whatever its name resolves to then.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long a delivery is retried after its event before it is marked dead.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The first retry's delay; each next one doubles, with jitter, up to <see cref="MaxRetryInterval"/>.</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one delivery may take, connection included. A claim is leased for twice as long.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle deliverer looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries one instance sends at once (never two of one job and destination).</summary>
    public int Concurrency { get; set; } = 8;

    public bool Enabled => !string.IsNullOrEmpty(Secret);

    public TimeSpan LeaseDuration => Timeout * 2;

    public bool IsValid(out string problem)
    {
        var unknown = WebhookEvents.Unknown(Events);
        problem = this switch
        {
            { Secret: { Length: > 0 } secret } when !WebhookSigner.TryReadSecret(secret, out _, out var why) => $"Webhooks:Secret {why}",
            { Url: { Length: > 0 }, Enabled: false } => "Webhooks:Url needs Webhooks:Secret: deliveries are signed.",
            { Url: { Length: > 0 } url } when !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("https" or "http") =>
                "Webhooks:Url must be an absolute https URL.",
            _ when unknown.Count > 0 => $"Webhooks:Events names unknown events ({string.Join(", ", unknown)}); the events are {WebhookEvents.Names}.",
            { RetryFor.Ticks: <= 0 } or { FirstRetryAfter.Ticks: <= 0 } or { Timeout.Ticks: <= 0 } or { PollInterval.Ticks: <= 0 } =>
                "Webhooks:RetryFor, Webhooks:FirstRetryAfter, Webhooks:Timeout and Webhooks:PollInterval must be positive.",
            _ when MaxRetryInterval < FirstRetryAfter => "Webhooks:MaxRetryInterval must be at least Webhooks:FirstRetryAfter.",
            { Concurrency: < 1 } => "Webhooks:Concurrency must be at least 1.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
