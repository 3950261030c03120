using System.Net.Sockets;
using System.Text;

namespace StoryMedia.Tests.Security;

/// <summary>Requests exactly as written, for targets HttpClient would normalise (dot segments, encoded slashes).</summary>
public static class RawHttp
{
    public static async Task<int> StatusAsync(Uri server, string target, string? headers = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\n{headers}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? "";
        var parts = statusLine.Split(' ');
        return parts.Length > 1 && int.TryParse(parts[1], out var status) ? status : 0;
    }
}
