using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>Supabase-shaped tokens signed with the secret every test instance is configured with.</summary>
public static class TestTokens
{
    public const string Secret = "test-secret-for-storymedia-tests-0123456789abcdef";

    /// <summary>
    /// The <c>Auth:JwtSecret</c> for an instance whose content root is <paramref name="root"/>: <see cref="Secret"/>, except in
    /// Development, which mints tokens only with its generated key and so gets none; there the key file under data/ holds
    /// <see cref="Secret"/>, so that the development route's tokens and this class's are valid alike.
    /// </summary>
    public static string? SecretSettingFor(string root, string environment)
    {
        if (environment != "Development")
        {
            return Secret;
        }
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "data", "dev-jwt-secret"), Secret);
        return null;
    }

    public static string For(Guid user, string audience = "authenticated", string role = "authenticated", DateTime? expires = null, string secret = Secret, string? sub = null, string? email = null) =>
        SignedWith(new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256), user, audience, role, expires, sub, email: email);

    /// <summary>A token with any key, algorithm and validity window; <paramref name="sub"/> "" leaves the claim out.</summary>
    public static string SignedWith(
        SigningCredentials credentials, Guid user, string audience = "authenticated", string role = "authenticated",
        DateTime? expires = null, string? sub = null, DateTime? notBefore = null, string? email = null)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("role", role) };
        if (sub is not "")
        {
            claims.Add(new Claim("sub", sub ?? user.ToString()));
        }
        if (email is not null)
        {
            claims.Add(new Claim("email", email));
        }
        var validTo = expires ?? now.AddHours(1);
        var validFrom = notBefore ?? (validTo < now ? validTo.AddHours(-1) : now.AddMinutes(-5));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Audience = audience,
            IssuedAt = validFrom,
            NotBefore = validFrom,
            Expires = validTo,
            SigningCredentials = credentials,
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with otherwise valid claims.</summary>
    public static string WithoutSignature(Guid user)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var now = DateTimeOffset.UtcNow;
        return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(new { sub = user, role = "authenticated", aud = "authenticated", iat = now.AddMinutes(-1).ToUnixTimeSeconds(), exp = now.AddHours(1).ToUnixTimeSeconds() })}.";
    }
}
