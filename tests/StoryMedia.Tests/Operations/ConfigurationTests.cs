using Microsoft.Extensions.Options;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>Every section is validated one way, at start: a bad setting stops the service with a message naming it.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Jobs:LeaseDuration", "00:00:01", "Jobs:LeaseDuration must be longer than Jobs:HeartbeatInterval.")]
    [InlineData("Media:SweepMinAge", "-00:00:01", "Media:SweepInterval and Media:SweepMinAge must not be negative.")]
    [InlineData("Video:Width", "161", "Video:Width and Video:Height must be even.")]
    [InlineData("Images:MaxRetries", "0", "Images:MaxRetries must be between 1 and 20.")]
    public async Task A_bad_setting_stops_the_service_at_start_naming_the_setting(string setting, string value, string message)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?> { [setting] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_watches_no_files_so_its_own_writes_under_its_content_root_wake_nothing()
    {
        await using var server = await ServerProcess.StartAsync(await Backend.CreateAsync(Backend.Sqlite));

        // A FileSystemWatcher is an inotify instance: reloading appsettings.json on change would watch the content root.
        var inotify = Directory.GetFiles($"/proc/{server.Id}/fd").Count(fd => Target(fd) == "anon_inode:inotify");

        Assert.Equal(0, inotify);
    }

    // A descriptor may close between the listing and the read.
    private static string? Target(string descriptor)
    {
        try
        {
            return new FileInfo(descriptor).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
