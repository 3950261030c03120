using System.Globalization;

namespace StoryMedia.Videos;

/// <summary>
/// The ffmpeg command that turns scene images into the story's video: each image fills the frame (cropped to
/// cover it) with a slow zoom or pan, fades into the next, and the whole is H.264/yuv420p in an MP4 whose moov
/// atom is up front so a browser can start playing before it has the whole file.
/// </summary>
public sealed class SlideshowCommand
{
    // Zoompan moves in whole pixels of its input; rendering from twice the output size halves the visible judder.
    private const int Oversample = 2;

    // The largest zoom of a scene, as a fraction of the frame: gentle enough not to distract from the picture.
    private const double ZoomRange = 0.08;

    private SlideshowCommand(IReadOnlyList<string> arguments, IReadOnlyList<TimeSpan> sceneLengths)
    {
        Arguments = arguments;
        SceneLengths = sceneLengths;
        Duration = sceneLengths.Aggregate(TimeSpan.Zero, (sum, length) => sum + length);
    }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>How long each scene is on screen, in whole frames (crossfades overlap into the earlier scene's time).</summary>
    public IReadOnlyList<TimeSpan> SceneLengths { get; }

    /// <summary>How long the video lasts: the sum of the scenes' lengths.</summary>
    public TimeSpan Duration { get; }

    /// <summary>
    /// The command for <paramref name="scenes"/> in a <paramref name="frame"/>-sized picture. A narrated video (every scene has
    /// audio) gives each scene the longer of <c>Video:SecondsPerScene</c> and its narration plus <c>Video:NarrationPauseSeconds</c>,
    /// and its narration as the AAC track, each scene's speech starting as its picture does; <paramref name="subtitles"/>
    /// (an SRT file, narrated videos only) becomes a mov_text track or is burned in, as <paramref name="mode"/> says.
    /// </summary>
    public static SlideshowCommand Build(
        IReadOnlyList<SlideshowScene> scenes, string output, VideoOptions options, VideoFrame frame, string? subtitles = null, string mode = VideoOptions.SubtitlesOff)
    {
        ArgumentOutOfRangeException.ThrowIfZero(scenes.Count);
        var fps = options.FrameRate;
        var narrated = scenes.All(s => s.Audio is not null);
        var frames = scenes.Select(s => Math.Max(1, (int)Math.Round(
            (narrated ? Math.Max(options.SecondsPerScene, s.AudioSeconds!.Value + options.NarrationPauseSeconds) : options.SecondsPerScene) * fps))).ToList();
        var fadeFrames = Math.Clamp((int)Math.Round(options.CrossfadeSeconds * fps), 1, Math.Max(1, frames.Min() - 1));
        var (w, h) = (frame.Width, frame.Height);

        var arguments = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y" };
        var graph = new List<string>();
        for (var i = 0; i < scenes.Count; i++)
        {
            arguments.AddRange(["-i", scenes[i].Image]);
            // Every scene but the last lasts one fade longer: the next scene fades in over that extra time.
            var length = i < scenes.Count - 1 ? frames[i] + fadeFrames : frames[i];
            var (cover, motion) = ($"{w * Oversample}:{h * Oversample}", Motion(i, length));
            // zoompan rescales every output frame from the still: from yuv420p that is half the bytes of RGB, and no
            // per-frame conversion follows (the filters' CPU time fell from 10.4 to 4.5 s on 12 scenes, docs/video.md).
            graph.Add(Invariant(
                $"[{i}:v]scale={cover}:force_original_aspect_ratio=increase,crop={cover},setsar=1,format=yuv420p,zoompan={motion}:d={length}:s={w}x{h}:fps={fps}[s{i}]"));
        }
        var last = "s0";
        var offsetFrames = 0;
        for (var i = 1; i < scenes.Count; i++)
        {
            offsetFrames += frames[i - 1];
            graph.Add(Invariant($"[{last}][s{i}]xfade=transition=fade:duration={(double)fadeFrames / fps:0.######}:offset={(double)offsetFrames / fps:0.######}[x{i}]"));
            last = $"x{i}";
        }
        var burn = narrated && subtitles is not null && mode == VideoOptions.SubtitlesBurn
            ? $",subtitles=filename='{FilterPath(subtitles)}':fontsdir='{FilterPath(options.FontsPath)}':force_style='{SubtitleStyle}'"
            : "";
        graph.Add($"[{last}]format=yuv420p{burn}[video]");
        var maps = new List<string> { "-map", "[video]" };
        if (narrated)
        {
            // Each scene's speech padded with silence to exactly its picture's length, so the cuts stay in sync.
            for (var i = 0; i < scenes.Count; i++)
            {
                arguments.AddRange(["-i", scenes[i].Audio!]);
                graph.Add(Invariant($"[{scenes.Count + i}:a]aresample=44100,apad=whole_dur={(double)frames[i] / fps:0.######},atrim=end={(double)frames[i] / fps:0.######}[a{i}]"));
            }
            graph.Add($"{string.Concat(Enumerable.Range(0, scenes.Count).Select(i => $"[a{i}]"))}concat=n={scenes.Count}:v=0:a=1[audio]");
            maps.AddRange(["-map", "[audio]", "-c:a", "aac", "-b:a", "96k"]);
            if (subtitles is not null && mode == VideoOptions.SubtitlesTrack)
            {
                arguments.AddRange(["-i", subtitles]);
                maps.AddRange(["-map", $"{2 * scenes.Count}:s", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng"]);
            }
        }
        else
        {
            maps.Add("-an");
        }

        arguments.AddRange(["-filter_complex", string.Join(';', graph), .. maps]);
        arguments.AddRange([
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-t", Invariant($"{(double)frames.Sum() / fps:0.######}"), "-movflags", "+faststart", "-f", "mp4", output,
        ]);
        return new SlideshowCommand(arguments, [.. frames.Select(f => TimeSpan.FromSeconds((double)f / fps))]);
    }

    /// <summary>A readable caption: DejaVu Sans (libass draws nothing without a font it can find), white, outlined.</summary>
    // Sizes are in libass's script units (288 lines high for a converted SRT), whatever the frame's size.
    private const string SubtitleStyle = "FontName=DejaVu Sans,FontSize=16,PrimaryColour=&H00FFFFFF,OutlineColour=&H80000000,BorderStyle=1,Outline=1.5,Shadow=0,MarginV=14";

    /// <summary>A path inside a quoted filter option: backslash, quote and colon escaped as the filter parser reads them.</summary>
    private static string FilterPath(string path) => path.Replace("\\", "\\\\").Replace("'", "'\\''").Replace(":", "\\:");

    /// <summary>The zoompan expressions of a scene; four gentle motions take turns so that scenes do not all move alike.</summary>
    private static string Motion(int scene, int frames)
    {
        var t = Invariant($"on/{Math.Max(1, frames - 1)}");
        var zoomed = Invariant($"{1 + ZoomRange:0.###}");
        const string CentreX = "(iw-iw/zoom)/2";
        const string CentreY = "(ih-ih/zoom)/2";
        return (scene % 4) switch
        {
            0 => Invariant($"z='1+{ZoomRange}*{t}':x='{CentreX}':y='{CentreY}'"),
            1 => $"z='{zoomed}':x='(iw-iw/zoom)*{t}':y='{CentreY}'",
            2 => Invariant($"z='{zoomed}-{ZoomRange}*{t}':x='{CentreX}':y='{CentreY}'"),
            _ => $"z='{zoomed}':x='(iw-iw/zoom)*(1-{t})':y='{CentreY}'",
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One scene of a video: its image, and its narration (a file and its length) when the video is narrated.</summary>
public sealed record SlideshowScene(string Image, string? Audio = null, double? AudioSeconds = null);

/// <summary>A video's frame size in pixels.</summary>
public sealed record VideoFrame(int Width, int Height)
{
    /// <summary><c>Video:Width</c>×<c>Video:Height</c> is the 16:9 frame; 9:16 swaps them, 1:1 is the height squared.</summary>
    public static VideoFrame Of(string aspect, VideoOptions options) => aspect switch
    {
        VideoOptions.Portrait => new(options.Height, options.Width),
        VideoOptions.Square => new(options.Height, options.Height),
        _ => new(options.Width, options.Height),
    };
}
