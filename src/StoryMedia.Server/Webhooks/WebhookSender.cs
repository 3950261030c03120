using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace StoryMedia.Webhooks;

/// <summary>Sends one attempt of a delivery: a signed POST, no redirect followed, the answer read up to an excerpt.</summary>
public sealed class WebhookSender(IHttpClientFactory clients, WebhookSigner signer, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string ClientName = "webhooks";

    /// <summary>How much of a receiver's answer is kept with the delivery.</summary>
    public const int ResponseExcerpt = 1000;

    public async Task<DeliveryAnswer> SendAsync(ClaimedDelivery delivery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in signer.Headers(MessageId(delivery.Id), time.GetUtcNow(), delivery.Body))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("StoryMedia-Webhooks", "1"));
        var client = clients.CreateClient(ClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var excerpt = await ExcerptAsync(response.Content, cancellationToken);
            var status = (int)response.StatusCode;
            return new DeliveryAnswer(status, excerpt, status is >= 200 and < 300 ? null : Describe(status));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryAnswer(null, null, $"No answer within {options.Value.Timeout.TotalSeconds:0.###} s (Webhooks:Timeout).");
        }
        catch (HttpRequestException ex) when (Innermost(ex) is WebhookDestinationRefusedException refused)
        {
            return new DeliveryAnswer(null, null, $"Refused: {refused.Message}");
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryAnswer(null, null, $"Could not deliver: {Innermost(ex).Message}");
        }
    }

    /// <summary>The Standard Webhooks id of a delivery: the same for every attempt and redelivery, so a receiver can drop duplicates.</summary>
    public static string MessageId(Guid deliveryId) => $"msg_{deliveryId:N}";

    private static string Describe(int status) => status is >= 300 and < 400
        ? $"The receiver answered {status}; redirects are not followed."
        : $"The receiver answered {status}.";

    private static async Task<string?> ExcerptAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[ResponseExcerpt * 4];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        if (read == 0)
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length > ResponseExcerpt ? text[..ResponseExcerpt] : text;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }
        return ex;
    }
}
