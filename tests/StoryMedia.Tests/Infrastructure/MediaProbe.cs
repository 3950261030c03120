using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
namespace StoryMedia.Tests.Infrastructure;

/// <summary>What ffprobe and ffmpeg say of a file a test downloaded: its streams, its length, one frame's pixels.</summary>
public static class MediaProbe
{
    public sealed record Stream(string Type, string Codec, int? Width, int? Height, string? PixelFormat);

    public static async Task<(IReadOnlyList<Stream> Streams, double Duration)> ProbeAsync(string file)
    {
        using var json = JsonDocument.Parse(await RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height,pix_fmt:format=duration", "-of", "json", file]));
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().Select(s => new Stream(
            s.GetProperty("codec_type").GetString()!, s.GetProperty("codec_name").GetString()!,
            s.TryGetProperty("width", out var w) ? w.GetInt32() : null, s.TryGetProperty("height", out var h) ? h.GetInt32() : null,
            s.TryGetProperty("pix_fmt", out var pixels) ? pixels.GetString() : null)).ToList();
        return (streams, double.Parse(json.RootElement.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>The grey levels of the frame shown at <paramref name="seconds"/>.</summary>
    public static async Task<string> FrameAsync(string file, double seconds) =>
        await RunAsync("ffmpeg", ["-v", "error", "-ss", seconds.ToString("0.###", CultureInfo.InvariantCulture), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]);

    public static async Task<string> DownloadAsync(HttpClient client, string url, string name)
    {
        var file = Path.Combine(TempDirectory.Create("probe"), name);
        await File.WriteAllBytesAsync(file, await client.GetByteArrayAsync(new Uri(url, UriKind.Relative)));
        return file;
    }

    /// <summary>A second of a tone, encoded as <paramref name="format"/> by ffmpeg: real audio for a fake provider to answer with.</summary>
    public static async Task<byte[]> ToneAsync(double seconds, string format)
    {
        var file = Path.Combine(TempDirectory.Create("tone"), $"tone.{format}");
        await RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds.ToString(CultureInfo.InvariantCulture)}", file]);
        return await File.ReadAllBytesAsync(file);
    }

    /// <summary>Runs ffmpeg, ffprobe or another tool to its end and answers its stdout; a failure or a minute's silence fails the test.</summary>
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        // Latin-1 keeps raw frame bytes one char each, so two frames compare as strings.
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await copy;
        Assert.True(process.ExitCode == 0, $"{program} failed: {await errors}");
        return System.Text.Encoding.Latin1.GetString(output.ToArray());
    }
}
