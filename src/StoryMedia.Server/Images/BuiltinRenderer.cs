using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SkiaSharp;

namespace StoryMedia.Images;

/// <summary>The <c>Images:Builtin</c> configuration section.</summary>
public sealed class BuiltinRendererOptions
{
    /// <summary>Extra time each image takes, to stand in for a real model's latency in demos and tests; none by default.</summary>
    public TimeSpan DelayPerImage { get; set; } = TimeSpan.Zero;
}

/// <summary>The offline default provider: draws each scene as an illustrated card, byte-identical for identical input and seed.</summary>
public sealed class BuiltinRenderer(IOptions<BuiltinRendererOptions> options, TimeProvider time) : IImageProvider
{
    private const int Width = 768;
    private const int Height = 432;
    private const float Margin = 24;
    private const float Padding = 16;
    private const float TextWidth = Width - (2 * (Margin + Padding));
    private const string Ellipsis = "…";

    /// <summary>What its provenance calls the renderer: a version, so a changed drawing is told apart from an old one.</summary>
    public const string Model = "illustrated-card-1";

    private sealed record Palette(SKColor SkyTop, SKColor SkyBottom, SKColor Far, SKColor Near, SKColor Accent, SKColor Panel, SKColor Ink, bool Night);

    private enum Composition { Hills, Mountains, Waves, Shapes }

    private static readonly Palette[] Palettes =
    [
        new(0xFF8EC5E8, 0xFFE8F4F8, 0xFF9CC5A1, 0xFF3E7B4F, 0xFFFFD166, 0xFFFFFFFF, 0xFF1F2A30, false),
        new(0xFF2E1F4F, 0xFFF28C5E, 0xFF7A4069, 0xFF35203F, 0xFFFFC46B, 0xFF1B1230, 0xFFFBEFE3, false),
        new(0xFF0B1026, 0xFF2B3A67, 0xFF34446E, 0xFF151C38, 0xFFF2F0D8, 0xFF0B1026, 0xFFE8ECF8, true),
        new(0xFF9AD4E0, 0xFFF4EBD0, 0xFF4FA3B8, 0xFF1D5D7A, 0xFFF7B267, 0xFFFFFDF6, 0xFF16323F, false),
        new(0xFFF3E3C3, 0xFFE9B872, 0xFFC2703D, 0xFF6B3A2A, 0xFFD1495B, 0xFFFFF8EC, 0xFF3A2218, false),
        new(0xFF1E1E1E, 0xFF7A7A7A, 0xFF4A4A4A, 0xFF141414, 0xFFE63946, 0xFF101010, 0xFFF1F1F1, true),
        new(0xFFC9B6E4, 0xFFF2E6F7, 0xFF9A86C4, 0xFF4B3F72, 0xFFFFF3B0, 0xFFFFFFFF, 0xFF2A2140, false),
    ];

    public async Task<GeneratedImage> GenerateAsync(ImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.DelayPerImage > TimeSpan.Zero)
        {
            await Task.Delay(options.Value.DelayPerImage, time, cancellationToken);
        }
        var png = await Task.Run(() => Render(request, cancellationToken), cancellationToken);
        return new GeneratedImage(png, "image/png") { Facts = new(ImageOptions.Builtin, Model, $"{Width}x{Height}", request.Seed, RequestId: null, Attempts: 1) };
    }

    private static byte[] Render(ImageRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // string.GetHashCode is randomised per process; the card must look the same on every run and machine.
        var styleHash = StableHash(request.Style.Trim().ToUpperInvariant());
        var palette = Palettes[styleHash % (uint)Palettes.Length];
        var composition = (Composition)(styleHash / (uint)Palettes.Length % 4);
        // The job's seed for the scene picks the landscape, so a new job draws a new picture and the same seed the same one.
        var random = new Random((int)StableHash(string.Create(CultureInfo.InvariantCulture, $"{request.Seed}|{request.SceneId}|{request.SceneText}")));

        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        DrawSky(canvas, palette, random);
        switch (composition)
        {
            case Composition.Hills: DrawRidges(canvas, palette, random, layers: 3, amplitude: 28, wavelength: 380, jagged: false); break;
            case Composition.Mountains: DrawRidges(canvas, palette, random, layers: 3, amplitude: 70, wavelength: 0, jagged: true); break;
            case Composition.Waves: DrawRidges(canvas, palette, random, layers: 5, amplitude: 7, wavelength: 110, jagged: false); break;
            default: DrawShapes(canvas, palette, random); break;
        }
        DrawCaption(canvas, palette, request);

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static uint StableHash(string text) =>
        BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static SKColor Lerp(SKColor a, SKColor b, float t) =>
        new(Mix(a.Red, b.Red, t), Mix(a.Green, b.Green, t), Mix(a.Blue, b.Blue, t), Mix(a.Alpha, b.Alpha, t));

    private static byte Mix(byte x, byte y, float t) => (byte)MathF.Round(x + ((y - x) * t));

    private static void DrawSky(SKCanvas canvas, Palette palette, Random random)
    {
        using var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, Height), [palette.SkyTop, palette.SkyBottom], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = sky };
        canvas.DrawRect(0, 0, Width, Height, paint);
        using var light = new SKPaint { IsAntialias = true, Color = palette.Accent };
        if (palette.Night)
        {
            for (var i = 0; i < 70; i++)
            {
                light.Color = palette.Accent.WithAlpha((byte)random.Next(90, 255));
                canvas.DrawCircle(random.NextSingle() * Width, random.NextSingle() * Height * 0.6f, 0.6f + (random.NextSingle() * 1.4f), light);
            }
        }
        var center = new SKPoint(Width * (0.12f + (0.76f * random.NextSingle())), Height * (0.14f + (0.16f * random.NextSingle())));
        var radius = 26 + (18 * random.NextSingle());
        using var glow = SKShader.CreateRadialGradient(center, radius * 3, [palette.Accent.WithAlpha(0x70), SKColors.Transparent], SKShaderTileMode.Clamp);
        using var glowPaint = new SKPaint { IsAntialias = true, Shader = glow };
        canvas.DrawCircle(center, radius * 3, glowPaint);
        light.Color = palette.Accent;
        using var disc = new SKPath();
        disc.AddCircle(center.X, center.Y, radius);
        using var bite = new SKPath();
        // At night the disc becomes a crescent moon.
        bite.AddCircle(center.X + (radius * 0.55f), center.Y - (radius * 0.25f), palette.Night ? radius * 0.9f : 0);
        using var body = disc.Op(bite, SKPathOp.Difference);
        canvas.DrawPath(body, light);
    }

    private static void DrawRidges(SKCanvas canvas, Palette palette, Random random, int layers, float amplitude, float wavelength, bool jagged)
    {
        using var paint = new SKPaint { IsAntialias = true };
        using var crest = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2, Color = SKColors.White.WithAlpha(0x50) };
        for (var layer = 0; layer < layers; layer++)
        {
            var depth = (layer + 1f) / layers;
            var baseline = Height * (0.5f + (0.32f * layer / layers));
            var phase = random.NextSingle() * MathF.Tau;
            var points = new List<SKPoint>();
            // Steps are clamped so every ridge ends exactly on the right edge.
            for (var x = 0f; points.Count == 0 || points[^1].X < Width; x = Math.Min(Width, x + (jagged ? 40 + (random.NextSingle() * 60) : 6)))
            {
                var peak = points.Count % 2 == 0;
                points.Add(new SKPoint(x, jagged
                    ? baseline - (amplitude * (1 - (depth * 0.4f)) * (peak ? 0.6f + (0.4f * random.NextSingle()) : 0.3f * random.NextSingle()))
                    : baseline + (amplitude * MathF.Sin((x / wavelength * MathF.Tau) + phase)) + (amplitude * 0.4f * MathF.Sin((x / wavelength * 2.7f) + (phase * 2)))));
            }
            using var ridge = new SKPath();
            ridge.AddPoly([.. points], close: false);
            using var fill = new SKPath(ridge);
            fill.LineTo(Width, Height);
            fill.LineTo(0, Height);
            fill.Close();
            paint.Color = Lerp(palette.Far, palette.Near, depth);
            canvas.DrawPath(fill, paint);
            canvas.DrawPath(ridge, crest);
        }
    }

    private static void DrawShapes(SKCanvas canvas, Palette palette, Random random)
    {
        using var paint = new SKPaint { IsAntialias = true };
        SKColor[] colors = [palette.Far, palette.Near, palette.Accent];
        for (var i = 0; i < 14; i++)
        {
            paint.Color = colors[random.Next(colors.Length)].WithAlpha((byte)random.Next(0x60, 0xC0));
            var (x, y) = (random.NextSingle() * Width, Height * (0.25f + (0.6f * random.NextSingle())));
            var size = 20 + (random.NextSingle() * 70);
            using var shape = new SKPath();
            switch (random.Next(3))
            {
                case 0: shape.AddCircle(x, y, size); break;
                case 1: shape.AddRect(new SKRect(x - size, y - size, x + size, y + size)); break;
                default: shape.AddPoly([new(x, y - size), new(x + size, y + size), new(x - size, y + size)]); break;
            }
            shape.Transform(SKMatrix.CreateRotationDegrees(random.NextSingle() * 90, x, y));
            canvas.DrawPath(shape, paint);
        }
        paint.Color = palette.Near;
        canvas.DrawRect(0, Height * 0.82f, Width, Height * 0.18f, paint);
    }

    private static void DrawCaption(SKCanvas canvas, Palette palette, ImageRequest request)
    {
        using var panel = new SKPaint { IsAntialias = true, Color = palette.Panel.WithAlpha(0xD8) };
        using var ink = new SKPaint { IsAntialias = true, Color = palette.Ink };
        using var headerFont = new SKFont(SKTypeface.Default, 16) { Embolden = true, Subpixel = true };
        var style = request.Style.Trim();
        var header = string.Create(CultureInfo.InvariantCulture, $"Scene {request.Position} of {request.SceneCount}{(style.Length > 0 ? " · " + style : "")}");
        header = Fit(header, headerFont, TextWidth);
        var headerWidth = headerFont.MeasureText(header);
        canvas.DrawRoundRect(Margin, Margin, headerWidth + (2 * Padding), 32, 16, 16, panel);
        canvas.DrawText(header, Margin + Padding, Margin + 22, SKTextAlign.Left, headerFont, ink);
        using var font = new SKFont(SKTypeface.Default, 21) { Subpixel = true };
        var lineHeight = MathF.Ceiling(font.Spacing * 1.15f);
        var maxLines = (int)((Height * 0.55f) / lineHeight);
        var lines = Wrap(request.SceneText, font, TextWidth, maxLines);
        if (lines.Count == 0)
        {
            return;
        }
        var panelHeight = (lines.Count * lineHeight) + (2 * Padding);
        var top = Height - Margin - panelHeight;
        canvas.DrawRoundRect(Margin, top, Width - (2 * Margin), panelHeight, 14, 14, panel);
        var baseline = top + Padding + ((lineHeight - font.Metrics.Descent + font.Metrics.Ascent) / 2) - font.Metrics.Ascent;
        foreach (var line in lines)
        {
            canvas.DrawText(line, Margin + Padding, baseline, SKTextAlign.Left, font, ink);
            baseline += lineHeight;
        }
    }

    private static List<string> Wrap(string text, SKFont font, float width, int maxLines)
    {
        var lines = new List<string>();
        var rest = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        while (rest.Length > 0 && lines.Count < maxLines)
        {
            var fits = Math.Max(1, font.BreakText(rest, width));
            // Break at the last space that fits; a word wider than the line is split mid-word.
            var space = fits < rest.Length ? rest.LastIndexOf(' ', fits) : -1;
            var end = space > 0 ? space : fits;
            lines.Add(rest[..end]);
            rest = rest[end..].TrimStart();
        }
        if (rest.Length > 0)
        {
            lines[^1] = Fit(lines[^1] + Ellipsis, font, width);
        }
        return lines;
    }

    /// <summary>The text itself if it fits, else its longest prefix that fits once followed by an ellipsis.</summary>
    private static string Fit(string text, SKFont font, float width)
    {
        if (font.MeasureText(text) <= width)
        {
            return text;
        }
        var kept = text.TrimEnd(Ellipsis[0]);
        while (kept.Length > 0 && font.MeasureText(kept + Ellipsis) > width)
        {
            kept = kept[..^1].TrimEnd();
        }
        return kept + Ellipsis;
    }
}
