using Microsoft.Extensions.Options;

namespace StoryMedia.Media;

/// <summary>Where a copy stands: files looked at so far of all, copied, already in the bucket, bytes sent.</summary>
public sealed record CopyProgress(int Done, int Total, int Copied, int Skipped, long Bytes);

/// <summary>
/// Copies the filesystem store's media (<c>Media:Path</c>) into the bucket of <c>Media:S3:*</c>, under the same
/// keys, so that a deployment can switch <c>Media:Store</c> to s3 without breaking an image or a video. A key the
/// bucket already holds with the same length is skipped, so running it again, after an interruption or after new
/// files were made, copies only what is missing.
/// </summary>
public sealed class MediaCopier(IServiceProvider services, IOptions<MediaOptions> options)
{
    private const int AtOnce = 4;

    public async Task<CopyProgress> CopyAsync(Action<CopyProgress> report, CancellationToken cancellationToken)
    {
        if (options.Value.S3.Problems() is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(nameof(MediaOptions), typeof(MediaOptions), problems);
        }
        var source = services.GetRequiredService<FileMediaStore>();
        var target = services.GetRequiredService<S3MediaStore>();
        var present = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var file in target.ListAsync(cancellationToken))
        {
            present[file.Name] = file.Length;
        }
        var files = new List<StoredFile>();
        await foreach (var file in source.ListAsync(cancellationToken))
        {
            if (source.Types.KeyOfFile(file.Name) is not null)
            {
                files.Add(file);
            }
        }

        int done = 0, copied = 0, skipped = 0;
        long bytes = 0;
        var gate = new Lock();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = AtOnce, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var already = present.TryGetValue(file.Name, out var length) && length == file.Length;
            if (!already)
            {
                await target.WriteFileAsync(file.Name, source.PathOf(file.Name), ct);
            }
            lock (gate)
            {
                done++;
                (copied, skipped, bytes) = already ? (copied, skipped + 1, bytes) : (copied + 1, skipped, bytes + file.Length);
                report(new CopyProgress(done, files.Count, copied, skipped, bytes));
            }
        });
        return new CopyProgress(done, files.Count, copied, skipped, bytes);
    }
}
