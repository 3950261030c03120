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
    public string Preset { get; set; } = DefaultPreset;

    /// <summary>The x264 constant rate factor: lower is better and larger (18–28 is sensible).</summary>
    public int Crf { get; set; } = 23;

    /// <summary>The scenes' captions of a narrated video: <c>track</c> (a mov_text track and a WebVTT file beside the video), <c>burn</c> or <c>off</c>.</summary>
    public string Subtitles { get; set; } = SubtitlesTrack;

    /// <summary>The frame's shape unless a start names one: <c>16:9</c> (Width×Height), <c>9:16</c> or <c>1:1</c>.</summary>
    public string Aspect { get; set; } = Landscape;

    /// <summary>Refuse (422) a video while some scene has no narration of its current text, instead of making it silent.</summary>
    public bool RequireNarration { get; set; }

    /// <summary>Silence after a scene's narration before the next scene: a narrated scene lasts at least its speech plus this.</summary>
    public double NarrationPauseSeconds { get; set; } = 0.6;

    /// <summary>Where libass finds the subtitles' font (DejaVu Sans, Debian's fonts-dejavu-core); without one it silently draws nothing.</summary>
    public string FontsPath { get; set; } = "/usr/share/fonts/truetype/dejavu";

    public const string DefaultPreset = "veryfast";
    public const string SubtitlesTrack = "track";
    public const string SubtitlesBurn = "burn";
    public const string SubtitlesOff = "off";
    public const string Landscape = "16:9";
    public const string Portrait = "9:16";
    public const string Square = "1:1";

    public static readonly IReadOnlyList<string> Aspects = [Landscape, Portrait, Square];

    public bool IsValid(out string problem)
    {
        problem = this switch
        {
            { Ffmpeg: null or "" } => "Video:Ffmpeg must name the ffmpeg executable.",
            { Width: < 16 or > 3840 } or { Height: < 16 or > 2160 } => "Video:Width and Video:Height must be between 16x16 and 3840x2160.",
            _ when Width % 2 != 0 || Height % 2 != 0 => "Video:Width and Video:Height must be even.",
            { FrameRate: < 1 or > 60 } => "Video:FrameRate must be between 1 and 60.",
            { SecondsPerScene: < 0.5 or > 600 } => "Video:SecondsPerScene must be between 0.5 and 600.",
            // In whole frames, as the render counts them: each scene keeps at least one frame that is not a fade.
            _ when Frames(CrossfadeSeconds) < 1 || Frames(CrossfadeSeconds) >= Frames(SecondsPerScene) =>
                "Video:CrossfadeSeconds must last at least one frame and fewer frames than Video:SecondsPerScene.",
            _ when !Presets.Contains(Preset) => $"Video:Preset must be one of {string.Join(", ", Presets)}.",
            { Crf: < 0 or > 51 } => "Video:Crf must be between 0 and 51.",
            { Subtitles: not (SubtitlesTrack or SubtitlesBurn or SubtitlesOff) } => "Video:Subtitles must be track, burn or off.",
            _ when !Aspects.Contains(Aspect) => "Video:Aspect must be 16:9, 9:16 or 1:1.",
            { NarrationPauseSeconds: < 0 or > 10 } => "Video:NarrationPauseSeconds must be between 0 and 10.",
            _ => "",
        };
        return problem.Length == 0;
    }

    private int Frames(double seconds) => (int)Math.Round(seconds * FrameRate);
}
