using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace StoryMedia.Auth;

/// <summary>Supabase-compatible bearer tokens: HS256 with the project's secret, <c>aud</c> and <c>role</c> = authenticated, <c>sub</c> a UUID.</summary>
public static class AuthSetup
{
    public const string Audience = "authenticated";

    public static WebApplicationBuilder AddStoryMediaAuth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var configured = !string.IsNullOrWhiteSpace(options.JwtSecret);
        var signingKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ResolveSecret(options, builder.Environment)));
        builder.Services.AddSingleton(new JwtSigningKey(signingKey, IsDevelopmentKey: !configured));
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateIssuer = options.Issuer is not null,
                    ValidIssuer = options.Issuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = signingKey,
                    // Each algorithm only with its own kind of key: an HMAC token is never checked against a public key.
                    ValidAlgorithms = options.JwksUrl is null
                        ? [SecurityAlgorithms.HmacSha256]
                        : [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256],
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = options.ClockSkew,
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                };
                if (options.JwksUrl is not null)
                {
                    jwt.ConfigurationManager = JwksKeys.Manager(options, new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
                    jwt.RefreshOnIssuerKeyNotFound = true;
                }
                jwt.Events = new JwtBearerEvents
                {
                    // Browsers' EventSource cannot send headers, so the events route alone takes the token from the
                    // query (docs/security.md says why this one route and what keeps the token out of our logs).
                    OnMessageReceived = context =>
                    {
                        if (HttpMethods.IsGet(context.Request.Method) &&
                            context.Request.Path.Value?.EndsWith("/events", StringComparison.Ordinal) == true &&
                            context.Request.Query.TryGetValue("access_token", out var token))
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = context =>
                    {
                        if (!Guid.TryParse(context.Principal?.FindFirst("sub")?.Value, out _))
                        {
                            context.Fail("The token's sub claim must be a user id (UUID).");
                        }
                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireRole(Audience)
                .Build());
        return builder;
    }

    private static string ResolveSecret(AuthOptions options, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(options.JwtSecret))
        {
            if (Encoding.UTF8.GetByteCount(options.JwtSecret) < 32)
            {
                throw new InvalidOperationException("Auth:JwtSecret must be at least 32 bytes long (HS256).");
            }
            return options.JwtSecret;
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Auth:JwtSecret is not set. Set it to your Supabase project's JWT secret (environment variable Auth__JwtSecret); " +
                "only the Development environment generates one of its own.");
        }
        var path = Path.GetFullPath(options.DevelopmentSecretPath, environment.ContentRootPath);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        File.WriteAllText(path, secret);
        return secret;
    }
}

/// <summary>
/// The key tokens are checked with. <paramref name="IsDevelopmentKey"/>: the key generated under data/ in Development because
/// no <c>Auth:JwtSecret</c> is configured. Only then does this service mint tokens (the development route and the
/// <c>token</c> verb): a token minted with a configured secret, a Supabase project's, would be valid on the project too.
/// </summary>
public sealed record JwtSigningKey(SymmetricSecurityKey Key, bool IsDevelopmentKey);
