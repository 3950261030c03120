using Microsoft.Extensions.Logging.Abstractions;
using StoryMedia.Jobs;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Videos;

public sealed class FfmpegProcessTests
{
    [Fact]
    public async Task A_missing_ffmpeg_fails_the_job_in_words_that_name_no_server_path()
    {
        var ffmpeg = new FfmpegProcess(NullLogger<FfmpegProcess>.Instance);

        var failed = await Assert.ThrowsAsync<JobFailedException>(() =>
            ffmpeg.RunAsync("/nonexistent/bin/ffmpeg", ["-version"], (_, _) => Task.CompletedTask, CancellationToken.None));

        Assert.Equal("The video could not be rendered: ffmpeg is not installed on the server that ran the job.", failed.Message);
    }
}
