using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace StoryMedia.Webhooks;

/// <summary>
/// Where deliveries may go. A start's <c>webhook_url</c> is checked when the start names it (absolute, https, no private
/// address literal); every delivery checks again on the addresses its host resolves to when it connects
/// (<see cref="ConnectAsync"/>), so a name that resolves to a private address later is refused too.
/// </summary>
public sealed class WebhookDestinations(IOptions<WebhookOptions> options, IHostEnvironment environment)
{
    public const int MaxUrlLength = 2000;

    /// <summary>Plain http only where it cannot leave the building unnoticed: Development, or private networks allowed.</summary>
    public bool AllowsHttp => environment.IsDevelopment() || options.Value.AllowPrivateNetworks;

    /// <summary>Why the URL is refused, or null.</summary>
    public string? Refusal(string url)
    {
        if (url.Length > MaxUrlLength)
        {
            return $"must be at most {MaxUrlLength} characters.";
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            return "must be an absolute https URL.";
        }
        if (uri.Scheme == "http" && !AllowsHttp)
        {
            return "must use https (plain http is allowed only in Development or with Webhooks:AllowPrivateNetworks).";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "must not carry a user name or password; put a token in the path or query if the receiver needs one.";
        }
        if (!options.Value.AllowPrivateNetworks && PrivateHost(uri) is { } what)
        {
            return $"points to {what}; deliveries go only to public addresses (unless Webhooks:AllowPrivateNetworks).";
        }
        return null;
    }

    /// <summary>
    /// The delivery client's connect step: resolves the host, keeps only the addresses a delivery may reach and connects
    /// to one of them. Nothing else connects for the client (no proxy), so no request reaches a refused address.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = options.Value.AllowPrivateNetworks ? addresses : [.. addresses.Where(a => NetworkAddresses.Describe(a) is null)];
        if (allowed.Length == 0)
        {
            throw new WebhookDestinationRefusedException(addresses.Length == 0
                ? $"{host} resolves to no address."
                : $"{host} resolves to {string.Join(", ", addresses.Select(a => $"{a} ({NetworkAddresses.Describe(a)})"))}: not a public address, and Webhooks:AllowPrivateNetworks is off.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string? PrivateHost(Uri uri)
    {
        var host = uri.Host.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "the loopback host";
        }
        return IPAddress.TryParse(host, out var address) && NetworkAddresses.Describe(address) is { } what ? $"{address}, {what}" : null;
    }
}

/// <summary>A delivery refused before it connected: the destination is not a public address.</summary>
public sealed class WebhookDestinationRefusedException(string message) : Exception(message);

/// <summary>Which addresses are not the public internet's, IPv4 and IPv6 alike (an IPv6 form of an IPv4 address as that address).</summary>
public static class NetworkAddresses
{
    private static readonly (IPNetwork Network, string What)[] NotPublic =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address"),
        (IPNetwork.Parse("192.0.0.0/24"), "a protocol-assignment address"),
        (IPNetwork.Parse("192.0.2.0/24"), "a documentation address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address"),
        (IPNetwork.Parse("198.18.0.0/15"), "a benchmarking address"),
        (IPNetwork.Parse("198.51.100.0/24"), "a documentation address"),
        (IPNetwork.Parse("203.0.113.0/24"), "a documentation address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a reserved address"),
        (IPNetwork.Parse("::/128"), "an unspecified address"),
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("::/96"), "an IPv4-compatible address"),
        (IPNetwork.Parse("2001:db8::/32"), "a documentation address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("fec0::/10"), "a site-local address"),
        (IPNetwork.Parse("fc00::/7"), "a unique-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>What kind of non-public address this is, or null for a public one.</summary>
    public static string? Describe(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && (Nat64.Contains(address) || SixToFour.Contains(address)))
        {
            // Both carry an IPv4 address a gateway would connect to: 64:ff9b::a.b.c.d in the last 32 bits, 2002:aabb:ccdd:: in bits 16-48.
            var bytes = address.GetAddressBytes();
            address = new IPAddress(Nat64.Contains(address) ? bytes[12..16] : bytes[2..6]);
        }
        foreach (var (network, what) in NotPublic)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return what;
            }
        }
        return null;
    }
}
