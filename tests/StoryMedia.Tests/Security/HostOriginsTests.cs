using System.Net;
using System.Text.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary><c>Security:HostOrigins</c>: checked at start, and handed to the page as browsers write origins.</summary>
public sealed class HostOriginsTests
{
    [Theory]
    [InlineData("https://app.example.com/")]
    [InlineData("https://app.example.com/embed")]
    [InlineData("https://app.example.com?from=x")]
    [InlineData("https://user@app.example.com")]
    [InlineData("app.example.com")]
    [InlineData("ftp://app.example.com")]
    [InlineData("*")]
    public async Task A_host_origin_that_is_not_an_http_origin_stops_the_start_with_a_message_naming_the_setting(string value)
    {
        var backend = await Backend.CreateAsync(Backend.Sqlite);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceInstance.StartAsync(
            backend, new Dictionary<string, string?> { ["Security:HostOrigins:0"] = "https://ok.example.com", ["Security:HostOrigins:1"] = value }));

        Assert.Contains("Security:HostOrigins", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_learns_the_listed_origins_as_browsers_write_them_and_none_when_nothing_is_listed()
    {
        await using var listed = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
        {
            ["Security:HostOrigins:0"] = "HTTPS://App.Example.com:443",
            ["Security:HostOrigins:1"] = "http://127.0.0.1:5173",
        });
        await using var spaced = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
        {
            ["Security:HostOrigins"] = "https://a.example.com, https://b.example.com:8443",
        });
        await using var none = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));

        Assert.Equal(["https://app.example.com", "http://127.0.0.1:5173"], await HostOriginsOfAsync(listed));
        Assert.Equal(["https://a.example.com", "https://b.example.com:8443"], await HostOriginsOfAsync(spaced));
        Assert.Empty(await HostOriginsOfAsync(none));
    }

    /// <summary>The page asks before anyone has signed in, so the answer needs no token.</summary>
    private static async Task<string[]> HostOriginsOfAsync(ServiceInstance service)
    {
        using var anonymous = service.Client();
        using var response = await anonymous.GetAsync(new Uri("/api/page_config", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("host_origins").EnumerateArray().Select(o => o.GetString()!)];
    }
}
