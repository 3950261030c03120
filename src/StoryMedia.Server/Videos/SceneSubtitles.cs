using System.Globalization;
using System.Text;

namespace StoryMedia.Videos;

/// <summary>The scenes' texts as captions, each shown for exactly its scene's time: SRT for ffmpeg, WebVTT for browsers.</summary>
public static class SceneSubtitles
{
    public static string Srt(IReadOnlyList<string> texts, IReadOnlyList<TimeSpan> lengths) =>
        Cues(texts, lengths, header: "", numbered: true, separator: ',');

    public static string WebVtt(IReadOnlyList<string> texts, IReadOnlyList<TimeSpan> lengths) =>
        Cues(texts, lengths, header: "WEBVTT\n\n", numbered: false, separator: '.');

    private static string Cues(IReadOnlyList<string> texts, IReadOnlyList<TimeSpan> lengths, string header, bool numbered, char separator)
    {
        var cues = new StringBuilder(header);
        var start = TimeSpan.Zero;
        for (var i = 0; i < texts.Count; i++)
        {
            var end = start + lengths[i];
            if (numbered)
            {
                cues.Append(CultureInfo.InvariantCulture, $"{i + 1}\n");
            }
            // A blank line ends a cue in both formats, so a scene's own blank lines are folded.
            var text = string.Join('\n', texts[i].ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            cues.Append(CultureInfo.InvariantCulture, $"{Stamp(start, separator)} --> {Stamp(end, separator)}\n{text}\n\n");
            start = end;
        }
        return cues.ToString();
    }

    private static string Stamp(TimeSpan t, char separator) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}{separator}{t.Milliseconds:000}");
}
