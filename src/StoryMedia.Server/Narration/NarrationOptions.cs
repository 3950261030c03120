using StoryMedia.Operations;

namespace StoryMedia.Narration;

/// <summary>The <c>Narration</c> configuration section: who speaks the scenes, and the tools that measure what was spoken.</summary>
public sealed class NarrationOptions : IExplainedOptions
{
    public const string Builtin = "builtin";
    public const string OpenAI = "openai";

    /// <summary><c>builtin</c> (ffmpeg's flite filter, offline) or <c>openai</c> (any OpenAI-compatible speech API).</summary>
    public string Provider { get; set; } = Builtin;

    /// <summary>The ffmpeg executable (the built-in voice) and ffprobe (every narration's length).</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    public string Ffprobe { get; set; } = "ffprobe";

    /// <summary>Where a job writes its audio before storing it, in a directory of its own; empty = the system's temporary directory.</summary>
    public string WorkPath { get; set; } = "";

    /// <summary>Calls to a remote provider in flight at once from this instance.</summary>
    public int MaxConcurrency { get; set; } = 4;

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public int MaxRetries { get; set; } = 4;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest answer accepted from a remote provider: a scene's speech is far smaller.</summary>
    public long MaxResponseBytes { get; set; } = 16L << 20;

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { Provider: not (Builtin or OpenAI) } => $"Narration:Provider must be {Builtin} or {OpenAI}, not '{Provider}'.",
            { Ffmpeg: null or "" } or { Ffprobe: null or "" } => "Narration:Ffmpeg and Narration:Ffprobe must name the executables.",
            { MaxConcurrency: < 1 or > 64 } => "Narration:MaxConcurrency must be between 1 and 64.",
            _ when AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromHours(1) => "Narration:AttemptTimeout must be between 10 ms and 1 hour.",
            _ when TotalTimeout <= AttemptTimeout || TotalTimeout > TimeSpan.FromDays(1) => "Narration:TotalTimeout must be longer than Narration:AttemptTimeout and at most 1 day.",
            { MaxRetries: < 1 or > 20 } => "Narration:MaxRetries must be between 1 and 20.",
            _ when RetryDelay <= TimeSpan.Zero || RetryDelay > TimeSpan.FromHours(1) => "Narration:RetryDelay must be positive and at most 1 hour.",
            { MaxResponseBytes: < 1024 } => "Narration:MaxResponseBytes must be at least 1024.",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>The <c>Narration:OpenAI</c> section: any OpenAI-compatible <c>/v1/audio/speech</c>.</summary>
public sealed class OpenAISpeechOptions : IExplainedOptions
{
    private static readonly Dictionary<string, string> Types = new()
    {
        ["mp3"] = "audio/mpeg",
        ["aac"] = "audio/aac",
        ["wav"] = "audio/wav",
    };

    public Uri? BaseUrl { get; set; }

    public string? ApiKey { get; set; }

    public string Model { get; set; } = "gpt-4o-mini-tts";

    /// <summary>The voice when a start names none.</summary>
    public string Voice { get; set; } = "alloy";

    /// <summary><c>mp3</c> (default), <c>aac</c> or <c>wav</c>: formats every browser plays.</summary>
    public string Format { get; set; } = "mp3";

    public string ContentType => Types[Format];

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { BaseUrl: null } => "Narration:OpenAI:BaseUrl is required when Narration:Provider is openai (e.g. https://api.openai.com).",
            { BaseUrl.IsAbsoluteUri: false } or { BaseUrl.Scheme: not ("http" or "https") } => "Narration:OpenAI:BaseUrl must be an absolute http or https URL.",
            _ when string.IsNullOrWhiteSpace(ApiKey) => "Narration:OpenAI:ApiKey is required when Narration:Provider is openai; set it in the environment as Narration__OpenAI__ApiKey.",
            _ when string.IsNullOrWhiteSpace(Model) => "Narration:OpenAI:Model must not be empty.",
            _ when string.IsNullOrWhiteSpace(Voice) => "Narration:OpenAI:Voice must not be empty.",
            _ when !Types.ContainsKey(Format) => $"Narration:OpenAI:Format must be one of {string.Join(", ", Types.Keys)}.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
