namespace StoryMedia.Images;

/// <summary>
/// A provider call failed for a reason a person can act on. The message completes "Scene N: …", so it starts in
/// lower case, and never carries a secret or internals.
/// </summary>
public sealed class ImageProviderException(string message, Exception? inner = null) : Exception(message, inner);
