using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace StoryMedia.Auth;

/// <summary>
/// Supabase's asymmetric signing keys from a bare JWKS document, cached by IdentityModel's configuration manager:
/// fetched on first use, again every <see cref="AuthOptions.JwksRefreshInterval"/>, and on a token whose <c>kid</c>
/// is unknown (at most once per <see cref="AuthOptions.JwksMinimumRefreshInterval"/>), which is how a key rotation arrives.
/// </summary>
internal static class JwksKeys
{
    public static ConfigurationManager<OpenIdConnectConfiguration> Manager(AuthOptions options, HttpClient http)
    {
        var url = options.JwksUrl!;
        var documents = new HttpDocumentRetriever(http) { RequireHttps = !url.IsLoopback };
        return new ConfigurationManager<OpenIdConnectConfiguration>(url.AbsoluteUri, new Retriever(), documents)
        {
            AutomaticRefreshInterval = options.JwksRefreshInterval,
            RefreshInterval = options.JwksMinimumRefreshInterval,
            // Otherwise a key the project revoked (removed from the set) would still be accepted for an hour.
            // A failed fetch keeps the current keys either way.
            UseLastKnownGoodConfiguration = false,
        };
    }

    /// <summary>Reads a JWKS document (not an OpenID discovery document) into the shape the JWT handler asks for.</summary>
    private sealed class Retriever : IConfigurationRetriever<OpenIdConnectConfiguration>
    {
        public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
        {
            var keys = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
            var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys };
            foreach (var key in keys.GetSigningKeys())
            {
                configuration.SigningKeys.Add(key);
            }
            return configuration;
        }
    }
}
