using StoryMedia.Operations;

namespace StoryMedia.Images;

/// <summary>The <c>Images</c> configuration section: the provider and how calls to a remote one behave.</summary>
public sealed class ImageOptions : IExplainedOptions
{
    public const string Builtin = "builtin";
    public const string OpenAI = "openai";
    public const string Automatic1111 = "automatic1111";

    /// <summary><c>builtin</c>, <c>openai</c> or <c>automatic1111</c>.</summary>
    public string Provider { get; set; } = Builtin;

    /// <summary>Calls in flight to the provider from this instance, across all jobs; by default 1 for AUTOMATIC1111 (it draws one image at a time) and 4 otherwise.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>How long one HTTP attempt may take before it is abandoned and retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How long one image may take, all retries and waits included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries of a failed attempt (429, 5xx, timeouts, connection failures).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first backoff delay; later ones grow exponentially with jitter unless the provider sends <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest answer read from the provider; a bigger one is refused rather than buffered.</summary>
    public long MaxResponseBytes { get; set; } = 32L << 20;

    public int EffectiveMaxConcurrency =>
        MaxConcurrency ?? (string.Equals(Provider, Automatic1111, StringComparison.OrdinalIgnoreCase) ? 1 : 4);

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { MaxConcurrency: < 1 } => "Images:MaxConcurrency must be at least 1.",
            _ when AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromHours(1) => "Images:AttemptTimeout must be between 10 ms and 1 hour.",
            _ when TotalTimeout <= AttemptTimeout || TotalTimeout > TimeSpan.FromDays(1) => "Images:TotalTimeout must be longer than Images:AttemptTimeout and at most 1 day.",
            { MaxRetries: < 1 or > 20 } => "Images:MaxRetries must be between 1 and 20.",
            _ when RetryDelay <= TimeSpan.Zero || RetryDelay > TimeSpan.FromHours(1) => "Images:RetryDelay must be positive and at most 1 hour.",
            { MaxResponseBytes: < 1024 } => "Images:MaxResponseBytes must be at least 1024.",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>The <c>Images:OpenAI</c> section: any OpenAI-compatible Images API.</summary>
public sealed class OpenAIOptions : IExplainedOptions
{
    /// <summary>The API root without <c>/v1</c>, e.g. <c>https://api.openai.com</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; from the environment or a secret store, never from a committed file.</summary>
    public string? ApiKey { get; set; }

    public string Model { get; set; } = "gpt-image-1";

    public string Size { get; set; } = "1024x1024";

    /// <summary>Sent only when set: <c>b64_json</c> for models that answer with URLs by default (dall-e-2/3); gpt-image-1 refuses the field.</summary>
    public string? ResponseFormat { get; set; }

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { BaseUrl: null } => "Images:OpenAI:BaseUrl is required when Images:Provider is openai (e.g. https://api.openai.com).",
            { BaseUrl.IsAbsoluteUri: false } or { BaseUrl.Scheme: not ("http" or "https") } => "Images:OpenAI:BaseUrl must be an absolute http or https URL.",
            _ when string.IsNullOrWhiteSpace(ApiKey) => "Images:OpenAI:ApiKey is required when Images:Provider is openai; set it in the environment as Images__OpenAI__ApiKey.",
            _ when string.IsNullOrWhiteSpace(Model) => "Images:OpenAI:Model must not be empty.",
            _ when string.IsNullOrWhiteSpace(Size) => "Images:OpenAI:Size must not be empty (e.g. 1024x1024).",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>The <c>Images:Automatic1111</c> section: a Stable Diffusion WebUI started with <c>--api</c>.</summary>
public sealed class Automatic1111Options : IExplainedOptions
{
    /// <summary>The WebUI root, e.g. <c>http://127.0.0.1:7860</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>For a WebUI started with <c>--api-auth user:password</c>; both or neither.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    public int Steps { get; set; } = 25;

    public string Sampler { get; set; } = "Euler a";

    public int Width { get; set; } = 768;

    public int Height { get; set; } = 432;

    public string NegativePrompt { get; set; } = "text, watermark, signature, blurry, deformed";

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { BaseUrl: null } => "Images:Automatic1111:BaseUrl is required when Images:Provider is automatic1111 (e.g. http://127.0.0.1:7860).",
            { BaseUrl.IsAbsoluteUri: false } or { BaseUrl.Scheme: not ("http" or "https") } => "Images:Automatic1111:BaseUrl must be an absolute http or https URL.",
            { Steps: < 1 or > 150 } => "Images:Automatic1111:Steps must be between 1 and 150.",
            { Width: < 64 or > 4096 } or { Height: < 64 or > 4096 } => "Images:Automatic1111:Width and Height must be between 64 and 4096.",
            _ when string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password) => "Images:Automatic1111:Username and Password go together: set both or neither.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
