using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using StoryMedia.Idempotency;
using StoryMedia.Jobs;
using StoryMedia.Webhooks;

namespace StoryMedia.Http;

/// <summary>
/// What /openapi/v1.json says beyond the routes' own metadata, so that a host app can generate a client from it: the
/// bearer token every signed-in route needs, the 429 of rate-limited routes, the Idempotency-Key of starts, tag
/// descriptions, and a server URL without a trailing slash.
/// </summary>
public static class ApiDescription
{
    public const string BearerScheme = "bearer";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, context, _) =>
        {
            var kinds = context.ApplicationServices.GetRequiredService<JobKinds>();
            DescribeDocument(document, kinds);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            DescribeOperation(operation, context.Description.ActionDescriptor.EndpointMetadata, context.Document);
            return Task.CompletedTask;
        });
    }

    private static void DescribeDocument(OpenApiDocument document, JobKinds kinds)
    {
        document.Info.Title = "StoryMedia";
        document.Info.Description =
            "Media for stories (an image per scene, a video) behind a job guard: one processing job of a kind per story. " +
            "Send the Supabase access token of the signed-in user as a bearer token.";
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The Supabase access token (HS256, audience authenticated) of the signed-in user.",
        };
        document.Security = [Bearer(document)];
        WebhookDescription.Describe(document, kinds);

        var descriptions = kinds.All.ToDictionary(
            k => k.Activity,
            k => $"{k.Activity}: start a job (with an Idempotency-Key), clear it, read its history and follow its progress.",
            StringComparer.Ordinal);
        descriptions["Jobs"] = "The kinds of job this service runs.";
        descriptions["Stories"] = "The user's stories and their scenes, with each scene's current image.";
        descriptions["Media"] = "The files jobs make, by unguessable key; no token needed.";
        descriptions["Page"] = "The story page's own settings.";
        descriptions["Development"] = "Development-only sign-in.";
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description ??= tag.Name is { } name && descriptions.TryGetValue(name, out var description) ? description : tag.Name;
        }
    }

    private static void DescribeOperation(OpenApiOperation operation, IList<object> metadata, OpenApiDocument? document)
    {
        var signedIn = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        // An anonymous route overrides the document's bearer requirement with none.
        operation.Security = signedIn && document is not null ? [Bearer(document)] : [];
        operation.Responses ??= [];
        if (operation.Responses.TryGetValue("401", out var unauthorized) && unauthorized is OpenApiResponse missingToken)
        {
            missingToken.Description = "The bearer token is missing, expired or not signed with the project's secret (see WWW-Authenticate).";
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            operation.Responses["429"] = Problem(document, "Too many requests from this user: wait for Retry-After seconds.", retryAfter: true);
        }
        if (operation.Responses.TryGetValue("503", out var unavailable) && unavailable is OpenApiResponse busy)
        {
            busy.Description = "The database or storage is unavailable, or the start lost every race: retry after Retry-After seconds.";
            busy.Headers ??= new Dictionary<string, IOpenApiHeader>();
            busy.Headers["Retry-After"] = RetryAfter();
        }
        if (operation.Responses.TryGetValue("409", out var conflict) && conflict is OpenApiResponse running)
        {
            running.Description = "A job is processing for the story: the problem's job, and Retry-After (when it would count as stale).";
            running.Headers ??= new Dictionary<string, IOpenApiHeader>();
            running.Headers["Retry-After"] = RetryAfter();
        }
        if (metadata.OfType<IdempotentStart>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotentStart.HeaderName,
                In = ParameterLocation.Header,
                Required = false,
                Description =
                    "A unique key per intended start (a UUID): a retry with the same key and body within Idempotency:Window answers " +
                    "the first answer again instead of starting another job; the same key with another request is a 422.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = IdempotentStart.MaxKeyLength },
            });
            operation.Responses["422"] = Problem(document,
                "The Idempotency-Key was used for a different request, or the kind's own check refused the start.", retryAfter: false);
        }
    }

    private static OpenApiSecurityRequirement Bearer(OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };

    private static OpenApiResponse Problem(OpenApiDocument? document, string description, bool retryAfter) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = document is null ? null : new OpenApiSchemaReference("ProblemDetails", document) },
        },
        Headers = retryAfter ? new Dictionary<string, IOpenApiHeader> { ["Retry-After"] = RetryAfter() } : null,
    };

    private static OpenApiHeader RetryAfter() => new()
    {
        Description = "Seconds to wait before trying again.",
        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
    };
}
