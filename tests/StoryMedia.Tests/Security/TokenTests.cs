using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Security;

/// <summary>
/// Which bearer tokens get in: Supabase HS256 tokens and ES256 tokens whose key the project's JWKS publishes,
/// with the right audience, a user id as <c>sub</c> and a current validity window (5 s of clock skew here).
/// Everything else is a 401 with a WWW-Authenticate challenge and no internals.
/// </summary>
public sealed class TokenTests(TokenTests.Instance instance) : IClassFixture<TokenTests.Instance>
{
    private static readonly Guid User = Guid.NewGuid();

    public sealed class Instance : IAsyncLifetime
    {
        public JwksServer Jwks { get; private set; } = null!;

        public ServiceInstance Service { get; private set; } = null!;

        public ECDsaSecurityKey Published { get; } = JwksServer.NewKey("key-1");

        public async Task InitializeAsync()
        {
            Jwks = await JwksServer.StartAsync();
            Jwks.Publish(Published);
            Service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
            {
                ["Auth:JwksUrl"] = Jwks.Url.ToString(),
                ["Auth:ClockSkew"] = "00:00:05",
                ["Auth:JwksMinimumRefreshInterval"] = "00:00:01",
            });
        }

        public async Task DisposeAsync()
        {
            await Service.DisposeAsync();
            await Jwks.DisposeAsync();
        }
    }

    private static SigningCredentials Hmac(string secret = TestTokens.Secret, string algorithm = SecurityAlgorithms.HmacSha256) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), algorithm);

    private static SigningCredentials Es256(ECDsaSecurityKey key) => new(key, SecurityAlgorithms.EcdsaSha256);

    public static TheoryData<string> Rejected => new()
    {
        "no token", "malformed", "alg none", "wrong secret", "HS384 with the right secret", "expired beyond the clock skew",
        "not valid yet beyond the clock skew", "audience anon", "no sub", "sub not a UUID", "ES256 key not published under a published kid",
        "valid token in the query of a route other than events", "valid token as a Basic credential",
    };

    private string? TokenFor(string name) => name switch
    {
        "no token" or "valid token in the query of a route other than events" => null,
        "malformed" => "abc.def.ghi",
        "alg none" => TestTokens.WithoutSignature(User),
        "wrong secret" => TestTokens.For(User, secret: "another-secret-of-enough-length-0123456789abcdef"),
        "HS384 with the right secret" => TestTokens.SignedWith(Hmac(algorithm: SecurityAlgorithms.HmacSha384), User),
        "expired beyond the clock skew" => TestTokens.For(User, expires: DateTime.UtcNow.AddSeconds(-30)),
        "not valid yet beyond the clock skew" => TestTokens.SignedWith(Hmac(), User, notBefore: DateTime.UtcNow.AddSeconds(30)),
        "audience anon" => TestTokens.For(User, audience: "anon"),
        "no sub" => TestTokens.SignedWith(Hmac(), User, sub: ""),
        "sub not a UUID" => TestTokens.For(User, sub: "admin"),
        "ES256 key not published under a published kid" => TestTokens.SignedWith(Es256(JwksServer.NewKey(instance.Published.KeyId)), User),
        "HS256" => TestTokens.For(User),
        "expired within the clock skew" => TestTokens.For(User, expires: DateTime.UtcNow.AddSeconds(-1)),
        "ES256 with a published key" => TestTokens.SignedWith(Es256(instance.Published), User),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private async Task<HttpResponseMessage> GetStoriesAsync(string? token, string scheme = "Bearer", string query = "")
    {
        using var client = instance.Service.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/stories{query}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        }
        return await client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task A_bad_token_is_answered_401_with_a_challenge_and_no_internals(string name)
    {
        using var response = name switch
        {
            "valid token in the query of a route other than events" => await GetStoriesAsync(null, query: $"?access_token={TestTokens.For(User)}"),
            "valid token as a Basic credential" => await GetStoriesAsync(TestTokens.For(User), scheme: "Basic"),
            _ => await GetStoriesAsync(TokenFor(name)),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("expired within the clock skew")]
    [InlineData("ES256 with a published key")]
    public async Task A_good_token_gets_in(string name)
    {
        using var response = await GetStoriesAsync(TokenFor(name));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_events_route_alone_takes_the_token_from_the_query_string()
    {
        using var client = instance.Service.Client();
        using var events = await client.GetAsync($"/api/image_jobs/{Guid.NewGuid()}/events?access_token={TestTokens.For(User)}");
        using var badEvents = await client.GetAsync($"/api/image_jobs/{Guid.NewGuid()}/events?access_token={TestTokens.For(User, audience: "anon")}");

        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badEvents.StatusCode);
    }

    [Fact]
    public async Task A_rotated_signing_key_is_fetched_when_a_token_names_it_and_the_retired_one_stops_working()
    {
        await using var jwks = await JwksServer.StartAsync();
        var first = JwksServer.NewKey("first");
        var second = JwksServer.NewKey("second");
        jwks.Publish(first);
        await using var service = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite), new Dictionary<string, string?>
        {
            ["Auth:JwksUrl"] = jwks.Url.ToString(),
            ["Auth:JwksMinimumRefreshInterval"] = "00:00:01",
        });
        using var client = service.Client();
        async Task<HttpStatusCode> StatusWithAsync(ECDsaSecurityKey key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stories");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.SignedWith(Es256(key), User));
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusWithAsync(first));
        jwks.Publish(second);

        // The unknown kid makes the service fetch the key set again (at most once a second here); wait for it.
        await Eventually.TrueAsync(async () => await StatusWithAsync(second) == HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusWithAsync(first));
        Assert.InRange(jwks.Fetches, 2, 30);
    }
}
