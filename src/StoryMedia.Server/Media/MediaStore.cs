using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace StoryMedia.Media;

public sealed class MediaOptions
{
    /// <summary>Where images and videos are kept; relative paths are under the content root.</summary>
    public string Path { get; set; } = "data/media";

    /// <summary>How often files nothing refers to any more are deleted; zero turns the sweep off.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A sweep leaves younger files alone, so a file a worker has written but not yet recorded is safe.</summary>
    public TimeSpan SweepMinAge { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Files made by jobs, named by 128 random bits: a media URL cannot be guessed or enumerated, so it can be
/// shown in an img tag without a token. Files are written whole (temp file, then rename) or not at all.
/// </summary>
public sealed partial class MediaStore
{
    private static readonly Dictionary<string, string> ExtensionByType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/png"] = ".png",
        ["image/jpeg"] = ".jpg",
        ["image/webp"] = ".webp",
        ["video/mp4"] = ".mp4",
    };

    private static readonly Dictionary<string, string> TypeByExtension =
        ExtensionByType.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public MediaStore(IOptions<MediaOptions> options, IHostEnvironment environment)
    {
        Root = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static string UrlOf(string key) => $"/media/{key}";

    public async Task<string> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        if (!ExtensionByType.TryGetValue(contentType, out var extension))
        {
            throw new ArgumentException($"Unsupported media type {contentType}.", nameof(contentType));
        }
        var key = NewKey(extension);
        var temporary = System.IO.Path.Combine(Root, $".{key}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temporary, content, cancellationToken);
            File.Move(temporary, PathOf(key));
        }
        finally
        {
            File.Delete(temporary);
        }
        return key;
    }

    /// <summary>A fresh key for a file the caller writes itself (e.g. ffmpeg's output) at <see cref="PathOf"/>.</summary>
    public static string NewKey(string extension) => RandomNumberGenerator.GetHexString(32, lowercase: true) + extension;

    public string PathOf(string key) => System.IO.Path.Combine(Root, key);

    /// <summary>Resolves a key from a URL; anything but a well-formed key (a path, "..", another name) is not found.</summary>
    public bool TryResolve(string key, out string path, out string contentType)
    {
        path = "";
        contentType = "";
        if (!KeyPattern().IsMatch(key) || !TypeByExtension.TryGetValue(System.IO.Path.GetExtension(key), out var type))
        {
            return false;
        }
        path = PathOf(key);
        contentType = type;
        return File.Exists(path);
    }

    /// <summary>A file the store made: a key, or the temporary file a key is written through.</summary>
    public static bool IsOwnFile(string name) => KeyPattern().IsMatch(name) || TemporaryPattern().IsMatch(name);

    /// <summary>The key a file holds, or null for a temporary file.</summary>
    public static string? KeyOfFile(string name) => KeyPattern().IsMatch(name) ? name : null;

    [GeneratedRegex("^[0-9a-f]{32}\\.(png|jpg|webp|mp4)$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^\\.[0-9a-f]{32}\\.(png|jpg|webp|mp4)\\.tmp$")]
    private static partial Regex TemporaryPattern();
}
