using StoryMedia.Operations;

namespace StoryMedia.Videos;

/// <summary>The <c>Video</c> configuration section: how a story's video is rendered.</summary>
public sealed class VideoOptions : IExplainedOptions
{
    private static readonly string[] Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>The ffmpeg executable: a name looked up on PATH, or a full path.</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>Where a job copies its scenes' images and renders, in a directory of its own; empty = the system's temporary directory.</summary>
    public string WorkPath { get; set; } = "";

    /// <summary>Frame size in pixels; even numbers, as H.264 with 4:2:0 chroma needs.</summary>
    public int Width { get; set; } = 768;

    public int Height { get; set; } = 432;

    public int FrameRate { get; set; } = 30;

    /// <summary>How long each scene's image is shown; the video lasts scenes × this.</summary>
    public double SecondsPerScene { get; set; } = 4;

    /// <summary>How long one scene fades into the next, taken from the end of the earlier scene's time.</summary>
    public double CrossfadeSeconds { get; set; } = 0.5;

    /// <summary>The x264 preset: the trade between render time and file size.</summary>
    public string Preset { get; set; } = "veryfast";

    /// <summary>The x264 constant rate factor: lower is better and larger (18–28 is sensible).</summary>
    public int Crf { get; set; } = 23;

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { Ffmpeg: null or "" } => "Video:Ffmpeg must name the ffmpeg executable.",
            { Width: < 16 or > 3840 } or { Height: < 16 or > 2160 } => "Video:Width and Video:Height must be between 16x16 and 3840x2160.",
            _ when Width % 2 != 0 || Height % 2 != 0 => "Video:Width and Video:Height must be even.",
            { FrameRate: < 1 or > 60 } => "Video:FrameRate must be between 1 and 60.",
            { SecondsPerScene: < 0.5 or > 600 } => "Video:SecondsPerScene must be between 0.5 and 600.",
            _ when CrossfadeSeconds * FrameRate < 1 || CrossfadeSeconds >= SecondsPerScene =>
                "Video:CrossfadeSeconds must last at least one frame and be shorter than Video:SecondsPerScene.",
            _ when !Presets.Contains(Preset) => $"Video:Preset must be one of {string.Join(", ", Presets)}.",
            { Crf: < 0 or > 51 } => "Video:Crf must be between 0 and 51.",
            _ => "",
        };
        return problem.Length == 0;
    }
}
