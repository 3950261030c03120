using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using StoryMedia.Jobs;

namespace StoryMedia.Webhooks;

/// <summary>The OpenAPI 3.1 <c>webhooks</c> of /openapi/v1.json: one per event, each a signed POST of the payload.</summary>
public static class WebhookDescription
{
    public const string PayloadSchema = "WebhookPayload";

    public static void Describe(OpenApiDocument document, JobKinds kinds)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[PayloadSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "What every delivery carries: the event's type, when it happened, and the job as GET {collection}/{id} shows it.",
            Required = new HashSet<string> { "type", "timestamp", "data" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "<kind>_job.<event>, e.g. image_job.completed.",
                    Enum = [.. kinds.All.SelectMany(k => WebhookEvents.All.Select(e => (JsonNode)WebhookEvents.Type(k.Name, e)))],
                },
                ["timestamp"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When the event happened." },
                ["data"] = new OpenApiSchemaReference(nameof(JobView), document),
            },
        };
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var eventName in WebhookEvents.All)
        {
            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Post, new OpenApiOperation
            {
                OperationId = $"Webhook{JobKinds.Pascal(eventName)}",
                Summary = $"A job's {eventName} event, sent to the start's webhook_url (and Webhooks:Url).",
                Description =
                    "Signed as Standard Webhooks specifies: verify webhook-signature with the service's Webhooks:Secret before trusting the body, " +
                    "and drop a webhook-id already seen (delivery is at least once).",
                Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                Security = [],
                Parameters =
                [
                    Header("webhook-id", "The delivery's id: the same on every retry and redelivery."),
                    Header("webhook-timestamp", "The attempt's time, in Unix seconds."),
                    Header("webhook-signature", "v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">."),
                ],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = new OpenApiSchemaReference(PayloadSchema, document) },
                    },
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "Any 2xx answer marks the delivery delivered; any other, a redirect or no answer within Webhooks:Timeout is retried.",
                    },
                },
            });
            document.Webhooks[eventName] = item;
        }
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Webhooks", Description = "The events this service sends to a job's webhook_url, signed as Standard Webhooks specifies." });
    }

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
