using System.Net;
using System.Text;
using System.Text.Json;

namespace StoryMedia.Images;

/// <summary>Turns what a provider sent back into an image or into a reason a person understands.</summary>
public static class ProviderAnswers
{
    private const int QuoteLength = 300;

    public static JsonElement ParseJson(byte[] body, HttpResponseMessage response)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            var type = response.Content.Headers.ContentType?.MediaType ?? "no content type";
            throw new ImageProviderException($"the image provider's answer was not valid JSON ({type}, {body.Length} bytes).", ex);
        }
    }

    /// <summary>A base64 image, with or without a <c>data:</c> URL prefix, checked to really be a PNG, JPEG or WebP.</summary>
    public static GeneratedImage DecodeImage(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new ImageProviderException("the image provider's answer contained no image.");
        }
        var comma = base64.StartsWith("data:", StringComparison.Ordinal) ? base64.IndexOf(',', StringComparison.Ordinal) : -1;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64[(comma + 1)..]);
        }
        catch (FormatException ex)
        {
            throw new ImageProviderException("the image in the provider's answer was not valid base64.", ex);
        }
        return Recognise(bytes);
    }

    public static GeneratedImage Recognise(byte[] bytes)
    {
        ReadOnlySpan<byte> span = bytes;
        var type = span switch
        {
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
            _ => throw new ImageProviderException($"the image provider sent {bytes.Length} bytes that are not a PNG, JPEG or WebP image."),
        };
        return new GeneratedImage(bytes, type);
    }

    /// <summary>A provider's own words, on one line and cut short, to be quoted inside a job's error.</summary>
    public static string Quote(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }
        var line = new StringBuilder(Math.Min(text.Length, QuoteLength + 1));
        foreach (var c in text)
        {
            if (line.Length > QuoteLength)
            {
                break;
            }
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                if (line.Length > 0 && line[^1] != ' ')
                {
                    line.Append(' ');
                }
            }
            else
            {
                line.Append(c);
            }
        }
        var quoted = line.ToString().Trim();
        return quoted.Length > QuoteLength ? quoted[..QuoteLength].TrimEnd() + "…" : quoted;
    }

    /// <summary>An error status in words; <paramref name="credentialsHint"/> says which settings to check on 401.</summary>
    public static ImageProviderException Refusal(HttpStatusCode status, string? providerMessage, string credentialsHint)
    {
        var said = Quote(providerMessage);
        var suffix = said.Length > 0 ? $": {said}" : ".";
        var code = (int)status;
        return new ImageProviderException(status switch
        {
            // The provider's text is left out on purpose: OpenAI echoes part of the rejected key.
            HttpStatusCode.Unauthorized => $"the image provider rejected the key (HTTP 401); check {credentialsHint}.",
            HttpStatusCode.Forbidden => $"the image provider refused access (HTTP 403){suffix}",
            HttpStatusCode.NotFound => $"the image provider has no such endpoint or model (HTTP 404); check its BaseUrl and model{suffix}",
            HttpStatusCode.TooManyRequests => $"the image provider kept refusing for too many requests (HTTP 429), retries included{suffix}",
            >= HttpStatusCode.InternalServerError => $"the image provider failed (HTTP {code}), retries included{suffix}",
            _ => $"the image provider rejected the request (HTTP {code}){suffix}",
        });
    }
}
