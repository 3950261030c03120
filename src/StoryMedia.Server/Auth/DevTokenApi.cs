using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StoryMedia.Http;

namespace StoryMedia.Auth;

public sealed record DevTokenRequest(string? UserId);

public sealed record DevTokenResponse(string AccessToken, Guid UserId, DateTimeOffset ExpiresAt);

/// <summary>
/// Development sign-in: a Supabase-shaped token for any user id, so the page and curl work at once. Mapped only where
/// tokens are signed with the generated development key (<see cref="JwtSigningKey.IsDevelopmentKey"/>).
/// </summary>
public static class DevTokenApi
{
    /// <summary>The user the page signs in as when it names none.</summary>
    public static readonly Guid DevelopmentUser = new("00000000-0000-4000-8000-000000000001");

    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/dev/token", Issue)
            .WithTags("Development")
            .WithName("IssueDevelopmentToken")
            .WithSummary("Development only: a signed token for a user id (a fixed development user when none is given).")
            .AllowAnonymous();
        return routes;
    }

    private static Results<Ok<DevTokenResponse>, ValidationProblem> Issue(DevTokenRequest? body, JwtSigningKey key, TimeProvider time)
    {
        var userId = DevelopmentUser;
        if (!string.IsNullOrWhiteSpace(body?.UserId) && !Problems.TryParseId(body.UserId, "user_id", out userId, out var invalid))
        {
            return invalid!;
        }
        return TypedResults.Ok(Create(key, userId, time.GetUtcNow()));
    }

    /// <summary>A twelve-hour token for the user, as the route and the <c>token</c> command hand it out.</summary>
    public static DevTokenResponse Create(JwtSigningKey key, Guid userId, DateTimeOffset now)
    {
        var expires = now.AddHours(12);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", userId.ToString()), new Claim("role", AuthSetup.Audience)]),
            Audience = AuthSetup.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        });
        return new DevTokenResponse(token, userId, expires);
    }
}
