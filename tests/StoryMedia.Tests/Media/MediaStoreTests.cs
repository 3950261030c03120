using System.Security.Cryptography;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StoryMedia.Media;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Media;

/// <summary>One suite for both stores, as for the two databases: what a store promises, with the bytes read back compared.</summary>
public sealed class MediaStoreTests(S3Server s3) : IClassFixture<S3Server>
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Stores => new() { MediaStoreKinds.FileSystem, MediaStoreKinds.S3 };

    private MediaStore Create(string kind)
    {
        var options = new MediaOptions { Path = TempDirectory.Create("store") };
        var settings = s3.Settings();
        options.S3 = new S3MediaOptions
        {
            ServiceUrl = s3.ServiceUrl,
            Bucket = S3Server.Bucket,
            AccessKey = S3Server.AccessKey,
            SecretKey = S3Server.SecretKey,
            ForcePathStyle = true,
            Prefix = settings["Media:S3:Prefix"]!,
            PartSize = 5L << 20,
            RetryDelay = TimeSpan.FromMilliseconds(100),
        };
        return kind == MediaStoreKinds.S3
            ? new S3MediaStore(Options.Create(options), NullLogger<S3MediaStore>.Instance, new MediaTypes(Infrastructure.Stores.Kinds))
            : new FileMediaStore(Options.Create(options), new HostingEnvironment { ContentRootPath = options.Path }, new MediaTypes(Infrastructure.Stores.Kinds));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_saved_file_reads_back_byte_for_byte_whole_from_any_position_listed_downloaded_and_deleted(string kind)
    {
        var store = Create(kind);
        var bytes = RandomNumberGenerator.GetBytes(100_000);

        var key = await store.SaveAsync(bytes, "image/png", None);

        Assert.Matches("^[0-9a-f]{32}\\.png$", key);
        Assert.True(await store.ExistsAsync(key, None));
        var file = (await store.OpenAsync(key, None))!;
        await using (file.Content)
        {
            Assert.Equal(("image/png", 100_000L), (file.ContentType, file.Length));
            Assert.InRange(file.LastModified, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Equal(bytes, await ReadAllAsync(file.Content));
            file.Content.Seek(70_000, SeekOrigin.Begin);
            Assert.Equal(bytes[70_000..], await ReadAllAsync(file.Content));
        }
        var path = Path.Combine(TempDirectory.Create("download"), "copy.png");
        Assert.True(await store.DownloadAsync(key, path, None));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        var listed = await store.ListAsync(None).ToListAsync();
        Assert.Equal([(key, 100_000L)], listed.Select(f => (f.Name, f.Length)));

        await store.DeleteAsync(key, None);

        Assert.False(await store.ExistsAsync(key, None));
        Assert.Null(await store.OpenAsync(key, None));
        Assert.False(await store.DownloadAsync(key, path, None));
        Assert.Empty(await store.ListAsync(None).ToListAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_file_larger_than_a_part_is_stored_whole_and_reads_back_byte_for_byte(string kind)
    {
        var store = Create(kind);
        var video = Path.Combine(TempDirectory.Create("video"), "video.mp4");
        var bytes = RandomNumberGenerator.GetBytes((6 << 20) + 123);
        await File.WriteAllBytesAsync(video, bytes);

        var key = await store.SaveFileAsync(video, "video/mp4", None);

        var file = (await store.OpenAsync(key, None))!;
        await using (file.Content)
        {
            Assert.Equal(("video/mp4", (long)bytes.Length), (file.ContentType, file.Length));
            Assert.Equal(bytes, await ReadAllAsync(file.Content));
        }
        Assert.True(File.Exists(video));
    }

    [Fact]
    public async Task A_store_that_does_not_answer_fails_after_its_retries_with_a_message_naming_the_bucket_and_never_the_secret()
    {
        var options = new MediaOptions
        {
            S3 = new S3MediaOptions
            {
                ServiceUrl = "http://127.0.0.1:1",
                Bucket = "nowhere",
                AccessKey = "AKIDEXAMPLE",
                SecretKey = "do-not-print-me",
                ForcePathStyle = true,
                MaxRetries = 2,
                RetryDelay = TimeSpan.FromMilliseconds(50),
            },
        };
        using var store = new S3MediaStore(Options.Create(options), NullLogger<S3MediaStore>.Instance, new MediaTypes(Infrastructure.Stores.Kinds));

        var failure = await Assert.ThrowsAsync<MediaStorageException>(() => store.SaveAsync(new byte[10], "image/png", None));
        var probe = await Assert.ThrowsAsync<MediaStorageException>(() => store.ProbeAsync(None));

        Assert.StartsWith("The media store (bucket nowhere at http://127.0.0.1:1) refused the write: ", failure.Message, StringComparison.Ordinal);
        Assert.StartsWith("The media store (bucket nowhere at http://127.0.0.1:1) is not writable: ", probe.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-print-me", failure.Message + probe.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_S3_settings_stop_the_service_at_start_with_a_message_naming_each_setting()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Media:Store"] = "s3",
            ["Media:S3:ServiceUrl"] = "ftp://store",
            ["Media:S3:Bucket"] = "",
            ["Media:S3:SecretKey"] = "do-not-print-me",
            ["Media:S3:PartSize"] = "1024",
        };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), settings));

        Assert.Contains("Media:S3:ServiceUrl must be an absolute http:// or https:// URL", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Media:S3:Bucket must name the bucket", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Media:S3:AccessKey and Media:S3:SecretKey must be set together", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Media:S3:PartSize must be between 5 MiB", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-print-me", failure.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { ["Media:Store"] = "disk" }));
        Assert.Contains("Media:Store must be filesystem or s3, not 'disk'.", unknown.Message, StringComparison.Ordinal);
    }
}
