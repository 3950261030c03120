namespace StoryMedia.Narration;

/// <summary>
/// The offline voice: ffmpeg's own <c>flite</c> filter (CMU Flite, built into Debian's ffmpeg, nothing else to install),
/// voice <c>slt</c> unless a start names another, encoded as AAC in an MP4 audio file (<c>.m4a</c>) that every browser plays.
/// </summary>
public sealed class BuiltinVoice(AudioTools tools) : ISpeechProvider
{
    /// <summary>
    /// The voices the flite filter knows. <c>slt</c> is the default: the clearest of them (a US English female voice built
    /// from the CMU Arctic recordings); <c>kal</c>, flite's own default, is a 1990s diphone voice that is harder to follow.
    /// </summary>
    public static readonly IReadOnlyList<string> Voices = ["slt", "kal", "kal16", "awb", "rms"];

    public const string DefaultVoice = "slt";

    public async Task<SpokenAudio> SpeakAsync(SpeechRequest request, string directory, CancellationToken cancellationToken)
    {
        var text = Path.Combine(directory, $"scene-{request.Position}.txt");
        var audio = Path.Combine(directory, $"scene-{request.Position}.m4a");
        await File.WriteAllTextAsync(text, request.Text, cancellationToken);
        await tools.RunFfmpegAsync(
            ["-f", "lavfi", "-i", $"flite=textfile='{FilterPath(text)}':voice={request.Voice ?? DefaultVoice}",
             "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart", audio],
            "the built-in voice could not speak it", cancellationToken);
        return new SpokenAudio(audio, "audio/mp4");
    }

    /// <summary>A path inside a quoted filter option: backslash, quote and colon escaped as the filter parser reads them.</summary>
    internal static string FilterPath(string path) => path.Replace("\\", "\\\\").Replace("'", "'\\''").Replace(":", "\\:");
}
