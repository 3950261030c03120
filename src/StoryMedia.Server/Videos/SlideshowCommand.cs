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

    private SlideshowCommand(IReadOnlyList<string> arguments, TimeSpan duration)
    {
        Arguments = arguments;
        Duration = duration;
    }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>How long the video lasts: scenes × the time per scene (crossfades overlap into that time).</summary>
    public TimeSpan Duration { get; }

    public static SlideshowCommand Build(IReadOnlyList<string> images, string output, VideoOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfZero(images.Count);
        var fps = options.FrameRate;
        var sceneFrames = Math.Max(1, (int)Math.Round(options.SecondsPerScene * fps));
        var fadeFrames = Math.Clamp((int)Math.Round(options.CrossfadeSeconds * fps), 1, Math.Max(1, sceneFrames - 1));
        var (w, h) = (options.Width, options.Height);

        var arguments = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-y" };
        var graph = new List<string>();
        for (var i = 0; i < images.Count; i++)
        {
            arguments.AddRange(["-i", images[i]]);
            // Every scene but the last lasts one fade longer: the next scene fades in over that extra time.
            var frames = i < images.Count - 1 ? sceneFrames + fadeFrames : sceneFrames;
            var (cover, motion) = ($"{w * Oversample}:{h * Oversample}", Motion(i, frames));
            graph.Add(Invariant(
                $"[{i}:v]scale={cover}:force_original_aspect_ratio=increase,crop={cover},setsar=1,zoompan={motion}:d={frames}:s={w}x{h}:fps={fps}[s{i}]"));
        }
        var last = "s0";
        for (var i = 1; i < images.Count; i++)
        {
            var offset = (double)i * sceneFrames / fps;
            graph.Add(Invariant($"[{last}][s{i}]xfade=transition=fade:duration={(double)fadeFrames / fps:0.######}:offset={offset:0.######}[x{i}]"));
            last = $"x{i}";
        }
        graph.Add($"[{last}]format=yuv420p[video]");

        arguments.AddRange([
            "-filter_complex", string.Join(';', graph),
            "-map", "[video]", "-an",
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", output,
        ]);
        return new SlideshowCommand(arguments, TimeSpan.FromSeconds((double)images.Count * sceneFrames / fps));
    }

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
