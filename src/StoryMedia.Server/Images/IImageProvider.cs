namespace StoryMedia.Images;

/// <summary>What a provider is asked to draw for one scene.</summary>
public sealed record ImageRequest(
    Guid SceneId,
    int Position,
    int SceneCount,
    string SceneText,
    string Style,
    string? Instructions,
    string Prompt,
    long Seed);

/// <summary>An encoded image as the provider returned it, and what the provider says of how it made it.</summary>
public sealed record GeneratedImage(ReadOnlyMemory<byte> Bytes, string ContentType)
{
    public ProviderFacts? Facts { get; init; }
}

/// <summary>How a provider made one image: part of its provenance (the job adds the prompt and the time it took).</summary>
/// <param name="Model">The model the provider names, or null when it does not say.</param>
/// <param name="Seed">The seed it drew with, or null for a provider that takes none.</param>
/// <param name="RequestId">The provider's own id of the request, where it returns one.</param>
/// <param name="Attempts">HTTP attempts the image took, retries included.</param>
public sealed record ProviderFacts(string Provider, string? Model, string Size, long? Seed, string? RequestId, int Attempts);

/// <summary>Turns one scene into one image. Implementations must honour cancellation promptly.</summary>
public interface IImageProvider
{
    Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken);

    /// <summary>Scenes of one job drawn at once: a remote provider allows its concurrency limit, a local renderer goes one by one.</summary>
    int ScenesAtOnce => 1;

    /// <summary>
    /// Whether each call may be billed and the provider takes no idempotency key: the job then records each call before
    /// making it, so a call whose answer was lost with its worker is named on the image that replaces it.
    /// </summary>
    bool BillsPerCall => false;
}
