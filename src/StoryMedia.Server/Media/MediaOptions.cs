using Microsoft.Extensions.Options;

namespace StoryMedia.Media;

/// <summary>The values of <c>Media:Store</c>.</summary>
public static class MediaStoreKinds
{
    public const string FileSystem = "filesystem";
    public const string S3 = "s3";
}

/// <summary>The <c>Media</c> configuration section.</summary>
public sealed class MediaOptions
{
    /// <summary><c>filesystem</c> (files under <see cref="Path"/>) or <c>s3</c> (a bucket every instance reaches).</summary>
    public string Store { get; set; } = MediaStoreKinds.FileSystem;

    /// <summary>Where images and videos are kept on the filesystem store; relative paths are under the content root.</summary>
    public string Path { get; set; } = "data/media";

    /// <summary>How often files nothing refers to any more are deleted; zero turns the sweep off.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A sweep leaves younger files alone, so a file a worker has written but not yet recorded is safe.</summary>
    public TimeSpan SweepMinAge { get; set; } = TimeSpan.FromHours(1);

    public S3MediaOptions S3 { get; set; } = new();

    public bool IsS3 => string.Equals(Store, MediaStoreKinds.S3, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The <c>Media:S3</c> section: an S3-compatible bucket (AWS S3, MinIO, R2, Supabase Storage, Ceph…).</summary>
public sealed class S3MediaOptions
{
    /// <summary>The endpoint, e.g. <c>https://minio.example.com:9000</c>; empty means AWS itself, in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Bucket { get; set; } = "";

    /// <summary>The region requests are signed for (and, on AWS, the region of the bucket).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>With <see cref="SecretKey"/>; when both are empty, the SDK's default credential chain (environment, profile, instance role).</summary>
    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name; most self-hosted stores need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Keys are stored under this prefix, e.g. <c>storymedia/</c>, so the bucket can hold other things too.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Files larger than this are uploaded in parts of this size (S3 needs at least 5 MiB a part).</summary>
    public long PartSize { get; set; } = 16L << 20;

    /// <summary>Retries of a request that failed for a reason that may pass (no answer, 5xx, 429, timeout), with exponential backoff.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The first retry's delay; each next one doubles it, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem with these settings, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ServiceUrl.Length > 0 && !(Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            problems.Add("Media:S3:ServiceUrl must be an absolute http:// or https:// URL, or empty for AWS.");
        }
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            problems.Add("Media:S3:Bucket must name the bucket when Media:Store is s3.");
        }
        if (string.IsNullOrWhiteSpace(Region))
        {
            problems.Add("Media:S3:Region must name the region requests are signed for (e.g. us-east-1).");
        }
        if (AccessKey.Length == 0 != (SecretKey.Length == 0))
        {
            problems.Add("Media:S3:AccessKey and Media:S3:SecretKey must be set together (or both left empty for the default credential chain).");
        }
        if (Prefix.StartsWith('/') || Prefix.Split('/').Contains(".."))
        {
            problems.Add("Media:S3:Prefix must be a relative key prefix such as storymedia/, without a leading / or '..'.");
        }
        if (PartSize is < 5L << 20 or > 5L << 30)
        {
            problems.Add("Media:S3:PartSize must be between 5 MiB (5242880) and 5 GiB, as S3 requires.");
        }
        if (MaxRetries is < 0 or > 10 || RetryDelay < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add("Media:S3:MaxRetries must be 0–10, Media:S3:RetryDelay not negative and Media:S3:RequestTimeout positive.");
        }
        return problems;
    }

    /// <summary>The prefix as keys are written under it: empty, or ending in one '/'.</summary>
    public string KeyPrefix => Prefix.Length == 0 || Prefix.EndsWith('/') ? Prefix : Prefix + "/";
}

/// <summary>Checks the <c>Media</c> section at start, with a message per wrong setting; secrets are never repeated.</summary>
public sealed class MediaOptionsValidation : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        var problems = new List<string>();
        if (!options.IsS3 && !string.Equals(options.Store, MediaStoreKinds.FileSystem, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Media:Store must be {MediaStoreKinds.FileSystem} or {MediaStoreKinds.S3}, not '{options.Store}'.");
        }
        if (options.SweepInterval < TimeSpan.Zero || options.SweepMinAge < TimeSpan.Zero)
        {
            problems.Add("Media:SweepInterval and Media:SweepMinAge must not be negative.");
        }
        if (options.IsS3)
        {
            problems.AddRange(options.S3.Problems());
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
