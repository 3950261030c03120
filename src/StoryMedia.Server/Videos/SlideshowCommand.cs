using System.Globalization;

namespace StoryMedia.Videos;

/// <summary>
/// The ffmpeg command that turns scene images into the story's video: each image fills the frame (cropped to
/// cover it) and pans slowly across it, fades into the next, and the whole is H.264/yuv420p in an MP4 whose moov
/// atom is up front so a browser can start playing before it has the whole file.
/// </summary>
public sealed class SlideshowCommand
{
    // How much larger than the frame the still is scaled, giving the pan its room: gentle enough not to distract.
    private const double PanRange = 0.09;

    // The pan moves one whole pixel at most every second frame (15 px/s at 30 fps): a translation by whole pixels
    // needs no resampling per frame, and x264 predicts it with a motion vector instead of coding a new picture.
    private const int MinFramesPerPixel = 2;

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
        var pieces = new List<string>();
        for (var i = 0; i < scenes.Count; i++)
        {
            // Each still is decoded, scaled and converted once; its scene is a window sliding over it (see Pan), cut
            // into the frames it fades in over, its own frames, and the frames it fades out over into the next scene.
            arguments.AddRange(["-framerate", fps.ToString(CultureInfo.InvariantCulture), "-i", scenes[i].Image]);
            var (first, last) = (i == 0, i == scenes.Count - 1);
            var pan = Pan.Of(frame, i, last ? frames[i] : frames[i] + fadeFrames);
            var parts = (first ? 0 : 1) + 1 + (last ? 0 : 1);
            graph.Add(Invariant($"[{i}:v]scale={pan.Width}:{pan.Height}:force_original_aspect_ratio=increase,crop={pan.Width}:{pan.Height},setsar=1,format=yuv420p,split={parts}") +
                (first ? "" : $"[in{i}]") + $"[own{i}]" + (last ? "" : $"[out{i}]"));
            if (!first)
            {
                graph.Add($"[in{i}]{pan.Window(0, fadeFrames, w, h, fps)}[in{i}p]");
                // The outgoing scene's frames fade from opaque to clear over the incoming scene's (overlay works in yuv420p;
                // xfade would convert every frame to 4:4:4 and back).
                graph.Add(Invariant($"[in{i}p][out{i - 1}p]overlay=format=yuv420[fade{i}]"));
                pieces.Add($"[fade{i}]");
            }
            var start = first ? 0 : fadeFrames;
            graph.Add($"[own{i}]{pan.Window(start, frames[i] - start, w, h, fps)}[own{i}p]");
            pieces.Add($"[own{i}p]");
            if (!last)
            {
                graph.Add(Invariant($"[out{i}]{pan.Window(frames[i], fadeFrames, w, h, fps)},format=yuva420p,fade=t=out:d={(double)fadeFrames / fps:0.######}:alpha=1[out{i}p]"));
            }
        }
        // The pieces in order: the first scene's own frames, then each fade and the next scene's own frames.
        graph.Add(Invariant($"{string.Concat(pieces)}concat=n={pieces.Count}:v=1:a=0,setpts=N/{fps}/TB[scenes]"));
        var burn = narrated && subtitles is not null && mode == VideoOptions.SubtitlesBurn
            ? $",subtitles=filename='{FilterPath(subtitles)}':fontsdir='{FilterPath(options.FontsPath)}':force_style='{SubtitleStyle}'"
            : "";
        graph.Add($"[scenes]format=yuv420p{burn}[video]");
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
            .. EncoderArguments(options),
            "-t", Invariant($"{(double)frames.Sum() / fps:0.######}"), "-movflags", "+faststart", "-f", "mp4", output,
        ]);
        return new SlideshowCommand(arguments, [.. frames.Select(f => TimeSpan.FromSeconds((double)f / fps))]);
    }

    /// <summary>
    /// The encoder and its settings: x264 at <c>Video:Preset</c> and <c>Video:Crf</c>, 4:2:0; at the default preset
    /// (<c>veryfast</c>) with the diamond motion search, one sub-pixel refinement and whole macroblocks between frames.
    /// </summary>
    // The pan moves the whole picture by whole pixels, which the diamond search finds at once and which 8x8 blocks
    // predict no better than the 16x16 macroblock: at veryfast, the preset's wider search and finer refinement, and its
    // 8x8 inter partitions, each made the same picture (the same PSNR and SSIM) for more CPU (docs/video.md).
    // Intra partitions stay, as key frames and fades need them. The other presets keep their own settings, as what
    // they promise (size, or speed) rests on them.
    public static IReadOnlyList<string> EncoderArguments(VideoOptions options) =>
    [
        "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
        .. options.Preset == VideoOptions.DefaultPreset ? ["-x264-params", "me=dia:subme=1:partitions=i8x8,i4x4"] : Array.Empty<string>(),
        "-pix_fmt", "yuv420p",
    ];

    /// <summary>A readable caption: DejaVu Sans (libass draws nothing without a font it can find), white, outlined.</summary>
    // Sizes are in libass's script units (288 lines high for a converted SRT), whatever the frame's size.
    private const string SubtitleStyle = "FontName=DejaVu Sans,FontSize=16,PrimaryColour=&H00FFFFFF,OutlineColour=&H80000000,BorderStyle=1,Outline=1.5,Shadow=0,MarginV=14";

    /// <summary>A path inside a quoted filter option: backslash, quote and colon escaped as the filter parser reads them.</summary>
    private static string FilterPath(string path) => path.Replace("\\", "\\\\").Replace("'", "'\\''").Replace(":", "\\:");

    /// <summary>
    /// A scene's pan: the still, scaled to cover the frame enlarged by <see cref="PanRange"/>, under a frame-sized window
    /// that moves one pixel every <paramref name="FramesPerPixel"/> frames along the frame's longer side; scenes take turns
    /// to pan one way and back, so that scenes do not all move alike.
    /// </summary>
    private sealed record Pan(int Width, int Height, bool Horizontal, bool Forward, int FramesPerPixel)
    {
        public static Pan Of(VideoFrame frame, int scene, int frames)
        {
            var (width, height) = (Even(frame.Width * (1 + PanRange)), Even(frame.Height * (1 + PanRange)));
            var horizontal = frame.Width >= frame.Height;
            var room = horizontal ? width - frame.Width : height - frame.Height;
            // Slow enough that the window never runs off the still, however long the scene (a narrated one may be long).
            var framesPerPixel = Math.Max(MinFramesPerPixel, (int)Math.Ceiling((double)Math.Max(1, frames - 1) / Math.Max(1, room)));
            return new(width, height, horizontal, scene % 2 == 0, framesPerPixel);
        }

        /// <summary>
        /// <paramref name="count"/> frames of the scene from its frame <paramref name="from"/>: the still repeated, cropped where the
        /// window is (exact: in yuv420p the crop would otherwise round to even pixels, a visible two-pixel step).
        /// </summary>
        public string Window(int from, int count, int w, int h, int fps)
        {
            var moved = Invariant($"floor((n+{from})/{FramesPerPixel})");
            var room = Horizontal ? Width - w : Height - h;
            var along = Forward ? moved : $"{room}-{moved}";
            var (x, y) = Horizontal ? (along, Invariant($"{(Height - h) / 2}")) : (Invariant($"{(Width - w) / 2}"), along);
            return Invariant($"loop=loop={count - 1}:size=1:start=0,setpts=N/{fps}/TB,crop={w}:{h}:x='{x}':y='{y}':exact=1");
        }

        private static int Even(double size) => (int)Math.Ceiling(size / 2) * 2;
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
