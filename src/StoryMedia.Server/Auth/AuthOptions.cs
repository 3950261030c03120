namespace StoryMedia.Auth;

/// <summary>The <c>Auth</c> configuration section.</summary>
public sealed class AuthOptions
{
    /// <summary>The Supabase project's JWT secret (HS256). In Development one is generated and kept under ./data when unset.</summary>
    public string? JwtSecret { get; set; }

    /// <summary>Where the development secret is kept, relative to the content root.</summary>
    public string DevelopmentSecretPath { get; set; } = "data/dev-jwt-secret";

    /// <summary>Tolerated difference between our clock and the token issuer's.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
