using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>
/// An identity provider's key endpoint on a loopback port, serving the public halves of ES256 keys as a JWKS
/// document, the way Supabase serves its asymmetric signing keys. Keys can be rotated while it runs.
/// </summary>
public sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private volatile string document = """{"keys":[]}""";
    private int fetches;

    private JwksServer(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = null!;

    public int Fetches => fetches;

    public static async Task<JwksServer> StartAsync()
    {
        var app = Loopback.BuildApp();
        var server = new JwksServer(app);
        app.MapGet("/auth/v1/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref server.fetches);
            return Results.Text(server.document, "application/json");
        });
        await app.StartAsync();
        var address = app.Address();
        server.Url = new Uri(address, "/auth/v1/.well-known/jwks.json");
        return server;
    }

    /// <summary>A new ES256 key pair; the private half signs test tokens and never leaves the test.</summary>
    public static ECDsaSecurityKey NewKey(string keyId) => new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = keyId };

    /// <summary>Publishes exactly these keys (their public halves) from now on.</summary>
    public void Publish(params ECDsaSecurityKey[] keys)
    {
        var jwks = keys.Select(key =>
        {
            var publicKey = new ECDsaSecurityKey(ECDsa.Create(key.ECDsa.ExportParameters(includePrivateParameters: false))) { KeyId = key.KeyId };
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
            return new Dictionary<string, string> { ["kty"] = jwk.Kty, ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y, ["kid"] = jwk.Kid, ["alg"] = "ES256", ["use"] = "sig" };
        });
        document = JsonSerializer.Serialize(new { keys = jwks });
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
