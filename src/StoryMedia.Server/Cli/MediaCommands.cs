using System.CommandLine;
using StoryMedia.Media;

namespace StoryMedia.Cli;

/// <summary><c>media copy-to-s3</c>: moves an existing deployment's files into the bucket before it switches <c>Media:Store</c>.</summary>
public static class MediaCommands
{
    public static Command Copy()
    {
        var copy = new Command("copy-to-s3",
            "Copies every file under Media:Path into the bucket of Media:S3:* under the same key; files already there are skipped, so it can be run again.");
        copy.SetAction((_, ct) => ServerCommands.WithServicesAsync(async services =>
        {
            var time = services.GetRequiredService<TimeProvider>();
            var shown = DateTimeOffset.MinValue;
            var result = await services.GetRequiredService<MediaCopier>().CopyAsync(progress =>
            {
                // A line a second at most, and the last one.
                if (time.GetUtcNow() - shown >= TimeSpan.FromSeconds(1) || progress.Done == progress.Total)
                {
                    shown = time.GetUtcNow();
                    Console.WriteLine($"{progress.Done} of {progress.Total} files: {progress.Copied} copied ({progress.Bytes} bytes), {progress.Skipped} already in the bucket");
                }
            }, ct);
            Console.WriteLine($"Done: {result.Copied} files copied ({result.Bytes} bytes), {result.Skipped} already in the bucket, of {result.Total}.");
            return ExitCodes.Ok;
        }));
        return copy;
    }
}
