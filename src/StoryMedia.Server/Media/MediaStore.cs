using System.Security.Cryptography;

namespace StoryMedia.Media;

/// <summary>
/// Where files made by jobs are kept: a directory (<see cref="FileMediaStore"/>) or an S3-compatible bucket
/// (<see cref="S3MediaStore"/>), chosen by <c>Media:Store</c>. Files are named by 128 random bits and the extension of
/// their type, one of those the registered kinds of job make (<see cref="MediaTypes"/>): a media URL
/// cannot be guessed or enumerated, so it can be shown in an img tag without a token. A file is written whole or
/// not at all, and always before the transaction that records it, so nothing published is ever half there.
/// Failures to reach the storage are <see cref="IOException"/>s whose message says what was tried.
/// </summary>
public abstract class MediaStore(MediaTypes types)
{
    public static string UrlOf(string key) => $"/media/{key}";

    /// <summary>A fresh key for a file of the given extension (".png", ".mp4", …).</summary>
    public static string NewKey(string extension) => RandomNumberGenerator.GetHexString(32, lowercase: true) + extension;

    /// <summary>The media types the registered kinds make, and which names are keys.</summary>
    public MediaTypes Types { get; } = types;

    /// <summary>Whether <paramref name="key"/> is well formed, and the type of what it names; a path, "..", or any other name is not.</summary>
    public bool TryParseKey(string key, out string contentType) => Types.TryParseKey(key, out contentType);

    /// <summary>Stores <paramref name="content"/> under a new key and answers the key.</summary>
    public async Task<string> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        var key = NewKey(Types.ExtensionOf(contentType));
        await WriteAsync(key, content, contentType, cancellationToken);
        return key;
    }

    /// <summary>Stores a local file (e.g. ffmpeg's output) under a new key and answers the key; the file stays where it is.</summary>
    public async Task<string> SaveFileAsync(string path, string contentType, CancellationToken cancellationToken)
    {
        var key = NewKey(Types.ExtensionOf(contentType));
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
}

/// <summary>An open media file: its content (seekable, so ranges can be served), type, length and time written.</summary>
public sealed record MediaFile(Stream Content, string ContentType, long Length, DateTimeOffset LastModified);

/// <summary>One entry of a store's listing, by its name in the store.</summary>
public sealed record StoredFile(string Name, long Length, DateTimeOffset LastModified);

/// <summary>The media storage could not be reached or refused a request, after retries; the message says which and where.</summary>
public sealed class MediaStorageException(string message, Exception? inner = null) : IOException(message, inner);
