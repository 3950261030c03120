namespace StoryMedia.Page;

/// <summary>
/// <c>Security:HostOrigins</c>: the exact origins of host apps that may hand the page a token by postMessage. With
/// none, sign-in by message is off. Each is kept as a browser serialises an origin, so the page compares it with
/// <c>event.origin</c> as it is.
/// </summary>
public sealed record HostOrigins(IReadOnlyList<string> Origins)
{
    public const string Setting = "Security:HostOrigins";

    /// <summary>A list (<c>Security:HostOrigins:0</c>, <c>:1</c>, …) or one value with origins separated by spaces or commas.</summary>
    public static HostOrigins From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Setting);
        var values = (section.Value ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(section.GetChildren().Select(child => child.Value?.Trim() ?? "").Where(value => value.Length > 0));
        return new HostOrigins(values.Select(Parse).Distinct(StringComparer.Ordinal).ToArray());
    }

    private static string Parse(string value)
    {
        var isOrigin = Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.UserInfo.Length == 0
            && uri.PathAndQuery == "/" && uri.Fragment.Length == 0
            && !value.EndsWith('/');
        return isOrigin
            ? uri!.GetLeftPart(UriPartial.Authority)
            : throw new InvalidOperationException(
                $"{Setting} lists '{value}', which is not an origin: give each host app as scheme, host and optional port, " +
                "e.g. https://app.example.com, with no path, query or trailing slash.");
    }
}
