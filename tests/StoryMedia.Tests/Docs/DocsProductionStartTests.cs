using System.Net;
using System.Net.Sockets;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>
/// The README's "PostgreSQL and Supabase" commands, run as written with bash as a server process; only the exported
/// values change: a throwaway PostgreSQL database, the tests' secret and a free port.
/// </summary>
[Collection(DocsCheckoutCollection.Name)]
public sealed class DocsProductionStartTests(DocsCheckout checkout)
{
    [Fact]
    public async Task The_readme_production_commands_run_Production_where_no_token_can_be_minted()
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var block = DocumentedCommands.Block("README.md", "export Database__Provider=postgres").WithExportedValues(new Dictionary<string, string>
        {
            ["ConnectionStrings__StoryMedia"] = await SharedPostgres.CreateDatabaseAsync(),
            ["Auth__JwtSecret"] = TestTokens.Secret,
            ["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/'),
        });

        await using var server = await checkout.StartServerAsync(block, new Uri(address, "/health/live"));
        using var anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var postToken = await anonymous.PostAsync(new Uri("/api/dev/token", UriKind.Relative), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        using var getToken = await anonymous.GetAsync(new Uri("/api/dev/token", UriKind.Relative));
        using var scalar = await anonymous.GetAsync(new Uri("/scalar", UriKind.Relative));
        using var signedIn = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        signedIn.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Guid.NewGuid()));
        using var stories = await signedIn.GetAsync(new Uri("/api/stories", UriKind.Relative));

        // The line is written before the server listens; the console logger may print it a moment later.
        const string StartLine = "StoryMedia starts in the Production environment; development tokens: off";
        await Eventually.TrueAsync(() => server.Output.Contains(StartLine, StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        var output = server.Output;
        Assert.Equal(HttpStatusCode.NotFound, postToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, getToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, scalar.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stories.StatusCode);
        // The migrate command ran first and applied the migrations; no launch profile was applied to either command.
        Assert.Contains("Applied 0001_", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Using launch settings", output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
