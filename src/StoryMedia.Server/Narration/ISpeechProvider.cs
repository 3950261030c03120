namespace StoryMedia.Narration;

/// <summary>What a provider is asked to speak: one scene's text, in a voice (null: the provider's default).</summary>
public sealed record SpeechRequest(Guid SceneId, int Position, string Text, string? Voice);

/// <summary>A file of speech the provider wrote, and its media type.</summary>
public sealed record SpokenAudio(string Path, string ContentType);

/// <summary>Speaks one scene into a file in <c>directory</c>. Implementations must honour cancellation promptly.</summary>
public interface ISpeechProvider
{
    Task<SpokenAudio> SpeakAsync(SpeechRequest request, string directory, CancellationToken cancellationToken);

    /// <summary>Scenes of one job spoken at once: a remote provider allows its concurrency limit, the built-in voice goes one by one.</summary>
    int ScenesAtOnce => 1;
}

/// <summary>
/// A provider call failed for a reason a person can act on. The message completes "Scene N: …", so it starts in lower
/// case, and never carries a secret or internals.
/// </summary>
public sealed class SpeechProviderException(string message, Exception? inner = null) : Exception(message, inner);
