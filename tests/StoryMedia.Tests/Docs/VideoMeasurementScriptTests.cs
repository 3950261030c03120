using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>docs/video.md's measurement script, run as written from the repository root, with its own SCENES setting small.</summary>
[Collection(RepositoryBuildsCollection.Name)]
public sealed class VideoMeasurementScriptTests
{
    [Fact]
    public async Task The_video_measurement_script_renders_a_story_and_reports_what_it_measured()
    {
        var script = DocumentedCommands.Block("docs/video.md", "#!/usr/bin/env bash");

        // SCENES is the script's documented input (default 60, about 100 CPU-seconds of ffmpeg).
        await using var run = ShellScript.Start(script.Text, Repository.Root, new Dictionary<string, string?> { ["SCENES"] = "2" });
        var exitCode = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));

        var output = run.Output;
        Assert.True(exitCode == 0, $"The script ended with exit code {exitCode}:{Environment.NewLine}{output}");
        Assert.Contains("images: completed", output, StringComparison.Ordinal);
        Assert.Matches(@"video: completed, started to completed \d+\.\d s, ffmpeg CPU \d*\.?\d+ s, ffmpeg peak RSS \d+ MB", output);
        // The default Video settings: 768x432, and 4 s a scene.
        Assert.Contains("codec_name=h264|width=768|height=432|pix_fmt=yuv420p", output, StringComparison.Ordinal);
        Assert.Contains("duration=8.0", output, StringComparison.Ordinal);
    }
}
