namespace StoryMedia.Images;

internal static class Endpoints
{
    /// <summary>
    /// <paramref name="path"/> under the configured root, whether or not it ends in a slash; a root that already
    /// ends in <c>/v1</c> (as many "OpenAI-compatible" docs write it) is not given a second one.
    /// </summary>
    public static Uri Combine(Uri root, string path)
    {
        var text = root.AbsoluteUri.TrimEnd('/');
        if (path.StartsWith("v1/", StringComparison.Ordinal) && text.EndsWith("/v1", StringComparison.Ordinal))
        {
            path = path[3..];
        }
        return new Uri($"{text}/{path}");
    }
}
