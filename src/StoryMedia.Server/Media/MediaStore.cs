using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StoryMedia.Jobs;
using StoryMedia.Operations;

namespace StoryMedia.Media;

public sealed class MediaOptions : IExplainedOptions
{
    /// <summary>Where the files jobs make are kept; relative paths are under the content root.</summary>
    public string Path { get; set; } = "data/media";

    /// <summary>How often files nothing refers to any more are deleted; zero turns the sweep off.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A sweep leaves younger files alone, so a file a worker has written but not yet recorded is safe.</summary>
    public TimeSpan SweepMinAge { get; set; } = TimeSpan.FromHours(1);

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { Path: null or "" } => "Media:Path must name a directory.",
            { SweepInterval.Ticks: < 0 } or { SweepMinAge.Ticks: < 0 } => "Media:SweepInterval and Media:SweepMinAge must not be negative.",
            _ => "",
        };
        return problem.Length == 0;
    }
}

/// <summary>
/// Files made by jobs, named by 128 random bits: a media URL cannot be guessed or enumerated, so it can be
/// shown in an img tag without a token. Files are written whole (temp file, then rename) or not at all. The media
/// types are those the registered kinds of job make.
/// </summary>
public sealed partial class MediaStore
{
    private readonly Dictionary<string, string> extensionByType;
    private readonly Dictionary<string, string> typeByExtension;

    public MediaStore(IOptions<MediaOptions> options, IHostEnvironment environment, JobKinds kinds)
    {
        extensionByType = kinds.All.SelectMany(k => k.MediaTypes).DistinctBy(t => t.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.OrdinalIgnoreCase);
        typeByExtension = extensionByType.DistinctBy(t => t.Value, StringComparer.Ordinal).ToDictionary(t => t.Value, t => t.Key, StringComparer.Ordinal);
        Root = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static string UrlOf(string key) => $"/media/{key}";

    public async Task<string> SaveAsync(ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken)
    {
        if (!extensionByType.TryGetValue(contentType, out var extension))
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
        if (!IsKey(key) || !typeByExtension.TryGetValue(System.IO.Path.GetExtension(key), out var type))
        {
            return false;
        }
        path = PathOf(key);
        contentType = type;
        return File.Exists(path);
    }

    /// <summary>A file the store made: a key, or the temporary file a key is written through.</summary>
    public bool IsOwnFile(string name) =>
        IsKey(name) || (TemporaryPattern().Match(name) is { Success: true } temporary && IsKey(temporary.Groups["key"].Value));

    /// <summary>The key a file holds, or null for a temporary file.</summary>
    public string? KeyOfFile(string name) => IsKey(name) ? name : null;

    private bool IsKey(string name) => KeyPattern().IsMatch(name) && typeByExtension.ContainsKey(System.IO.Path.GetExtension(name));

    [GeneratedRegex("^[0-9a-f]{32}\\.[a-z0-9]{1,8}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^\\.(?<key>[0-9a-f]{32}\\.[a-z0-9]{1,8})\\.tmp$")]
    private static partial Regex TemporaryPattern();
}
