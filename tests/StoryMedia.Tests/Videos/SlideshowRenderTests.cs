using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Videos;

/// <summary>The slideshow's ffmpeg command run for real on tiny stills: every frame it promises, in every frame shape.</summary>
public sealed class SlideshowRenderTests
{
    private static readonly VideoOptions Options = new() { Width = 96, Height = 54, FrameRate = 24, SecondsPerScene = 0.5, CrossfadeSeconds = 0.25 };

    [Theory]
    [InlineData(1, VideoOptions.Square)]
    [InlineData(2, VideoOptions.Portrait)]
    [InlineData(3, VideoOptions.Landscape)]
    public async Task A_render_has_exactly_the_frames_of_its_scenes_at_the_frame_s_size(int scenes, string aspect)
    {
        var directory = TempDirectory.Create("slideshow");
        var stills = new List<SlideshowScene>();
        for (var i = 0; i < scenes; i++)
        {
            var still = Path.Combine(directory, $"still{i}.png");
            await MediaProbe.RunAsync("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=1", "-frames:v", "1", still);
            stills.Add(new SlideshowScene(still));
        }
        var frame = VideoFrame.Of(aspect, Options);
        var output = Path.Combine(directory, "video.mp4");
        var command = SlideshowCommand.Build(stills, output, Options, frame);

        await MediaProbe.RunAsync(Options.Ffmpeg, [.. command.Arguments]);

        var probe = await MediaProbe.RunAsync("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", output);
        var expected = (int)Math.Round(command.Duration.TotalSeconds * Options.FrameRate);
        Assert.Equal($"{frame.Width},{frame.Height},{expected}", probe.Trim());
        Assert.Equal(scenes * 12, expected);
    }

    [Fact]
    public void Settings_that_would_leave_a_scene_no_frame_of_its_own_beside_its_fades_are_refused()
    {
        // 0.6 s at 2 fps is one frame, and the half-second fade is one frame too.
        var options = new VideoOptions { FrameRate = 2, SecondsPerScene = 0.6, CrossfadeSeconds = 0.5 };

        Assert.False(options.IsValid(out var problem));
        Assert.Equal("Video:CrossfadeSeconds must last at least one frame and fewer frames than Video:SecondsPerScene.", problem);
    }
}
