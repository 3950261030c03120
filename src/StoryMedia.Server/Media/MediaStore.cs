using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace StoryMedia.Media;

/// <summary>
/// Where files made by jobs are kept: a directory (<see cref="FileMediaStore"/>) or an S3-compatible bucket
/// (<see cref="S3MediaStore"/>), chosen by <c>Media:Store</c>. Files are named by 128 random bits: a media URL
/// cannot be guessed or enumerated, so it can be shown in an img tag without a token. A file is written whole or
/// not at all, and always before the transaction that records it, so nothing published is ever half there.
/// Failures to reach the storage are <see cref="IOException"/>s whose message says what was tried.
/// </summary>
public abstract partial class MediaStore
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

    public static string UrlOf(string key) => $"/media/{key}";

    /// <summary>A fresh key for a file of the given extension (".png", ".mp4", …).</summary>
    public static string NewKey(string extension) => RandomNumberGenerator.GetHexString(32, lowercase: true) + extension;

    /// <summary>Whether <paramref name="key"/> is well formed, and the type of what it names; a path, "..", or any other name is not.</summary>
    public static bool TryParseKey(string key, out string contentType)
    {
        contentType = "";
        return KeyPattern().IsMatch(key) && TypeByExtension.TryGetValue(Path.GetExtension(key), out contentType!);
    }

    /// <summary>A file the store made: a key, or the temporary file a key is written through.</summary>
    public static bool IsOwnFile(string name) => KeyPattern().IsMatch(name) || TemporaryPattern().IsMatch(name);

    /// <summary>The key a file holds, or null for a temporary file.</summary>
    public static string? KeyOfFile(string name) => KeyPattern().IsMatch(name) ? name : null;

    /// <summary>Stores <paramref name="content"/> under a new key and answers the key.</summary>
    public async Task<string> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        var key = NewKey(ExtensionOf(contentType));
        await WriteAsync(key, content, contentType, cancellationToken);
        return key;
    }

    /// <summary>Stores a local file (e.g. ffmpeg's output) under a new key and answers the key; the file stays where it is.</summary>
    public async Task<string> SaveFileAsync(string path, string contentType, CancellationToken cancellationToken)
    {
        var key = NewKey(ExtensionOf(contentType));
        await WriteFileAsync(key, path, cancellationToken);
        return key;
    }

    /// <summary>Where the media is, for messages: a directory, or a bucket and its endpoint (never credentials).</summary>
    public abstract string Location { get; }

    protected abstract Task WriteAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken);

    /// <summary>Writes a local file under <paramref name="key"/>, replacing what it held (the copy verb uses this).</summary>
    public abstract Task WriteFileAsync(string key, string path, CancellationToken cancellationToken);

    /// <summary>The file a well-formed key names, readable and seekable for range requests, or null when there is none.</summary>
    public abstract Task<MediaFile?> OpenAsync(string key, CancellationToken cancellationToken);

    public abstract Task<bool> ExistsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Copies the file <paramref name="key"/> names to a local path; false when there is no such file.</summary>
    public abstract Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken);

    /// <summary>Everything in the store, the store's own files and any other.</summary>
    public abstract IAsyncEnumerable<StoredFile> ListAsync(CancellationToken cancellationToken);

    public abstract Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes and deletes a probe; answers what was checked, or throws an <see cref="IOException"/> saying why not.</summary>
    public abstract Task<string> ProbeAsync(CancellationToken cancellationToken);

    private static string ExtensionOf(string contentType) => ExtensionByType.TryGetValue(contentType, out var extension)
        ? extension
        : throw new ArgumentException($"Unsupported media type {contentType}.", nameof(contentType));

    [GeneratedRegex("^[0-9a-f]{32}\\.(png|jpg|webp|mp4)$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^\\.[0-9a-f]{32}\\.(png|jpg|webp|mp4)\\.tmp$")]
    private static partial Regex TemporaryPattern();
}

/// <summary>An open media file: its content (seekable, so ranges can be served), type, length and time written.</summary>
public sealed record MediaFile(Stream Content, string ContentType, long Length, DateTimeOffset LastModified);

/// <summary>One entry of a store's listing, by its name in the store.</summary>
public sealed record StoredFile(string Name, long Length, DateTimeOffset LastModified);

/// <summary>The media storage could not be reached or refused a request, after retries; the message says which and where.</summary>
public sealed class MediaStorageException(string message, Exception? inner = null) : IOException(message, inner);
