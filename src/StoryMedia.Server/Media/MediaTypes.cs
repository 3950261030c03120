using System.Text.RegularExpressions;
using StoryMedia.Jobs;

namespace StoryMedia.Media;

/// <summary>
/// The media types the registered kinds of job make, and the keys that name their files: 128 random bits and the
/// type's extension. Anything else (a path, "..", another name, an extension no kind makes) is not a key.
/// </summary>
public sealed partial class MediaTypes
{
    private readonly Dictionary<string, string> extensionByType;
    private readonly Dictionary<string, string> typeByExtension;

    public MediaTypes(JobKinds kinds)
    {
        extensionByType = kinds.All.SelectMany(k => k.MediaTypes).DistinctBy(t => t.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.OrdinalIgnoreCase);
        typeByExtension = extensionByType.DistinctBy(t => t.Value, StringComparer.Ordinal)
            .ToDictionary(t => t.Value, t => t.Key, StringComparer.Ordinal);
    }

    public string ExtensionOf(string contentType) => extensionByType.TryGetValue(contentType, out var extension)
        ? extension
        : throw new ArgumentException($"Unsupported media type {contentType}.", nameof(contentType));

    /// <summary>Whether <paramref name="key"/> is well formed, and the type of what it names.</summary>
    public bool TryParseKey(string key, out string contentType)
    {
        contentType = "";
        return KeyPattern().IsMatch(key) && typeByExtension.TryGetValue(Path.GetExtension(key), out contentType!);
    }

    /// <summary>A file the store made: a key, or the temporary file a key is written through.</summary>
    public bool IsOwnFile(string name) =>
        TryParseKey(name, out _) || (TemporaryPattern().Match(name) is { Success: true } temporary && TryParseKey(temporary.Groups["key"].Value, out _));

    /// <summary>The key a file holds, or null for a temporary file.</summary>
    public string? KeyOfFile(string name) => TryParseKey(name, out _) ? name : null;

    [GeneratedRegex("^[0-9a-f]{32}\\.[a-z0-9]{1,8}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^\\.(?<key>[0-9a-f]{32}\\.[a-z0-9]{1,8})\\.tmp$")]
    private static partial Regex TemporaryPattern();
}
