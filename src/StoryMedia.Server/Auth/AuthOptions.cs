namespace StoryMedia.Auth;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    /// <summary>The Supabase project's JWT secret (HS256). In Development one is generated and kept under ./data when unset.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>Where the development secret is kept, relative to the content root.</summary>
    public string DevelopmentSecretPath { get; set; } = "data/dev-jwt-secret";

    /// <summary>Tolerated difference between our clock and the token issuer's, for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The project's asymmetric signing keys (ES256/RS256), e.g. https://&lt;project&gt;.supabase.co/auth/v1/.well-known/jwks.json.
    /// Unset: HS256 tokens only. HTTPS is required except on a loopback address.
    /// </summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>How often the key set is fetched again even when every token's key is known.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The least time between two fetches caused by tokens whose key (<c>kid</c>) is unknown, so bad tokens cannot flood the issuer.</summary>
    public TimeSpan JwksMinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When set, a token's <c>iss</c> must equal it (Supabase: https://&lt;project&gt;.supabase.co/auth/v1).</summary>
    public string? Issuer { get; set; }
}
