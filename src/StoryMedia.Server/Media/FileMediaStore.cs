using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace StoryMedia.Media;

/// <summary>
/// Media as files in one directory (<c>Media:Path</c>): the default, for a single machine. A file is written to a
/// temporary name and renamed, so a key names a whole file or nothing.
/// </summary>
public sealed class FileMediaStore : MediaStore
{
    public FileMediaStore(IOptions<MediaOptions> options, IHostEnvironment environment, MediaTypes types)
        : base(types)
    {
        Root = Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public override string Location => $"the directory {Root}";

    public string PathOf(string key) => Path.Combine(Root, key);

    protected override Task WriteAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
        WriteThroughTemporaryAsync(key, temporary => File.WriteAllBytesAsync(temporary, content, cancellationToken));

    public override Task WriteFileAsync(string key, string path, CancellationToken cancellationToken) =>
        WriteThroughTemporaryAsync(key, async temporary =>
        {
            await using var source = File.OpenRead(path);
            await using var target = File.Create(temporary);
            await source.CopyToAsync(target, cancellationToken);
        });

    public override Task<MediaFile?> OpenAsync(string key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(key));
        if (!TryParseKey(key, out var contentType) || !file.Exists)
        {
            return Task.FromResult<MediaFile?>(null);
        }
        var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        return Task.FromResult<MediaFile?>(new MediaFile(stream, contentType, stream.Length, file.LastWriteTimeUtc));
    }

    public override Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(key)));

    public override async Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken)
    {
        FileStream source;
        try
        {
            source = File.OpenRead(PathOf(key));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        await using (source)
        {
            await using var target = File.Create(path);
            await source.CopyToAsync(target, cancellationToken);
        }
        return true;
    }

    public override async IAsyncEnumerable<StoredFile> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in new DirectoryInfo(Root).EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StoredFile(file.Name, file.Length, file.LastWriteTimeUtc);
        }
        await Task.CompletedTask;
    }

    public override Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(Path.Combine(Root, Path.GetFileName(name)));
        return Task.CompletedTask;
    }

    public override async Task<string> ProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(Root, $".health-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            return "The media storage is writable.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MediaStorageException($"The media storage at {Root} is not writable: {ex.Message}", ex);
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing was written, or the storage is broken: the answer above already says so.
            }
        }
    }

    private async Task WriteThroughTemporaryAsync(string key, Func<string, Task> write)
    {
        var temporary = Path.Combine(Root, $".{key}.tmp");
        try
        {
            await write(temporary);
            File.Move(temporary, PathOf(key), overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
