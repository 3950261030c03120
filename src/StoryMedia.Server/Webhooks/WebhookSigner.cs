using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace StoryMedia.Webhooks;

/// <summary>
/// Signs deliveries as the Standard Webhooks specification says: <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of
/// "{webhook-id}.{webhook-timestamp}.{body}"&gt;</c>, keyed with the secret's decoded bytes.
/// </summary>
public sealed class WebhookSigner(IOptions<WebhookOptions> options)
{
    public const string Prefix = "whsec_";

    private readonly byte[]? key = options.Value.Enabled && TryReadSecret(options.Value.Secret!, out var bytes, out _) ? bytes : null;

    /// <summary>The headers of one attempt: the id stays the same across attempts, the timestamp is the attempt's.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers(string messageId, DateTimeOffset timestamp, string body)
    {
        var seconds = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = HMACSHA256.HashData(
            key ?? throw new InvalidOperationException("Webhooks:Secret is not set."),
            Encoding.UTF8.GetBytes($"{messageId}.{seconds}.{body}"));
        return [("webhook-id", messageId), ("webhook-timestamp", seconds), ("webhook-signature", $"v1,{Convert.ToBase64String(signature)}")];
    }

    public static bool TryReadSecret(string secret, out byte[] key, out string problem)
    {
        key = [];
        problem = "";
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"must start with {Prefix} (the Standard Webhooks form: {Prefix} followed by the base64 of the key).";
            return false;
        }
        try
        {
            key = Convert.FromBase64String(secret[Prefix.Length..]);
        }
        catch (FormatException)
        {
            problem = $"must be {Prefix} followed by base64; the rest is not base64.";
            return false;
        }
        if (key.Length is < 24 or > 64)
        {
            problem = $"must hold a key of 24 to 64 bytes; it holds {key.Length}.";
            return false;
        }
        return true;
    }
}
