using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>Supabase-shaped tokens signed with the secret every test instance is configured with.</summary>
public static class TestTokens
{
    public const string Secret = "test-secret-for-storymedia-tests-0123456789abcdef";

    public static string For(Guid user, string audience = "authenticated", string role = "authenticated", DateTime? expires = null, string secret = Secret, string? sub = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", sub ?? user.ToString()), new Claim("role", role)]),
            Audience = audience,
            IssuedAt = now.AddMinutes(-5),
            NotBefore = now.AddMinutes(-5),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
