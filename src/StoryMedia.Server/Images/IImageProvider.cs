namespace StoryMedia.Images;

/// <summary>What a provider is asked to draw for one scene.</summary>
public sealed record ImageRequest(
    Guid SceneId,
    int Position,
    int SceneCount,
    string SceneText,
    string Style,
    string? Instructions,
    string Prompt);

/// <summary>An encoded image as the provider returned it.</summary>
public sealed record GeneratedImage(ReadOnlyMemory<byte> Bytes, string ContentType);

/// <summary>Turns one scene into one image. Implementations must honour cancellation promptly.</summary>
public interface IImageProvider
{
    Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken);

    /// <summary>Scenes of one job drawn at once: a remote provider allows its concurrency limit, a local renderer goes one by one.</summary>
    int ScenesAtOnce => 1;
}
