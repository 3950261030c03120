using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StoryMedia.Narration;

namespace StoryMedia.Tests.Narration;

public sealed class AudioToolsTests
{
    [Fact]
    public async Task A_missing_ffprobe_or_a_failing_ffmpeg_is_told_without_the_server_s_paths()
    {
        var tools = new AudioTools(Options.Create(new NarrationOptions { Ffprobe = "/nonexistent/bin/ffprobe" }), NullLogger<AudioTools>.Instance);

        var missing = await Assert.ThrowsAsync<SpeechProviderException>(() => tools.DurationAsync("/nonexistent/speech.wav", CancellationToken.None));
        var failing = await Assert.ThrowsAsync<SpeechProviderException>(() =>
            tools.RunFfmpegAsync(["-i", "/nonexistent/speech.wav", "/nonexistent/speech.mp3"], "the speech could not be encoded", CancellationToken.None));

        Assert.Equal("its length could not be read: ffprobe is not installed on the server that ran the job.", missing.Message);
        Assert.Matches(@"^the speech could not be encoded \(ffmpeg exit code \d+\)\.$", failing.Message);
    }
}
