using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>The media storage refuses writes: the job fails with a reason, the story keeps what it showed.</summary>
public sealed class StorageFaultTests
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task When_the_media_directory_is_gone_the_job_fails_with_a_clear_message_and_the_story_is_unchanged()
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);
        await using var instance = await ServiceInstance.StartAsync(backend);
        using var client = instance.Client(user);
        var story = await client.CreateStoryAsync(scenes: 2);
        var first = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
        Assert.Equal(JobStatus.Completed, first.Status);
        var before = await client.GetStoryAsync(story.Id);

        // Root ignores permissions, so the directory is replaced by a file: every write under it fails.
        var root = instance.Get<FileMediaStore>().Root;
        Directory.Delete(root, recursive: true);
        await File.WriteAllTextAsync(root, "not a directory");
        var failed = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith("Could not store the image of scene", failed.Error, StringComparison.Ordinal);
        Assert.Contains("The story keeps its current images", failed.Error, StringComparison.Ordinal);
        // The user sees the kind of failure, never the server's paths (the exception's own message names them).
        Assert.DoesNotContain(root, failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("'/", failed.Error, StringComparison.Ordinal);
        var after = await client.GetStoryAsync(story.Id);
        Assert.Equal(before.Scenes.Select(s => s.ImageUrl), after.Scenes.Select(s => s.ImageUrl));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task When_the_media_disk_is_full_the_job_fails_with_a_clear_message_and_the_story_is_unchanged()
    {
        // A 64 KiB tmpfs is a full disk after the first image; mounting needs root, as the tests run in CI.
        var mount = TempDirectory.Create("full-disk");
        using (var mounting = Process.Start("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]))
        {
            await mounting.WaitForExitAsync();
            Assert.True(mounting.ExitCode == 0, "Could not mount a tmpfs; this test needs root.");
        }
        try
        {
            var backend = await Backend.CreateAsync(Backend.Sqlite);
            await using var instance = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Media:Path"] = mount });
            using var client = instance.Client(user);
            var story = await client.CreateStoryAsync(scenes: 8);

            var failed = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);

            Assert.Equal(JobStatus.Failed, failed.Status);
            Assert.StartsWith("Could not store the image of scene", failed.Error, StringComparison.Ordinal);
            Assert.Contains("(no space left on the device)", failed.Error, StringComparison.Ordinal);
            Assert.DoesNotContain(mount, failed.Error, StringComparison.Ordinal);
            Assert.All((await client.GetStoryAsync(story.Id)).Scenes, s => Assert.Null(s.ImageUrl));
        }
        finally
        {
            using var unmounting = Process.Start("umount", ["-l", mount]);
            await unmounting.WaitForExitAsync();
        }
    }
}
