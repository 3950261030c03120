using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.HostApp;

/// <summary>A host app generates its client from /openapi/v1.json and uses it as docs/integration.md shows.</summary>
public sealed class ApiDescriptionTests
{
    [Fact]
    public async Task The_OpenAPI_document_passes_Redocly_recommended_rules_and_a_client_generated_from_it_type_checks_the_documented_host_code()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var client = instance.Client();
        var work = TempDirectory.Create("host-app");
        await File.WriteAllTextAsync(Path.Combine(work, "openapi.json"), await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        File.CreateSymbolicLink(Path.Combine(work, "node_modules"), Path.Combine(HostTools.Directory, "node_modules"));
        await File.WriteAllTextAsync(Path.Combine(work, "storymedia.ts"), DocumentedCode.TypeScript("docs/integration.md", "// lib/storymedia.ts"));
        await File.WriteAllTextAsync(Path.Combine(work, "route.ts"), DocumentedCode.TypeScript("docs/integration.md", "// app/api/webhooks/storymedia/route.ts"));
        // "@/lib/…" is a Next.js app's default alias for its lib folder; here both files sit side by side.
        await File.WriteAllTextAsync(Path.Combine(work, "tsconfig.json"), """
            { "compilerOptions": { "strict": true, "noEmit": true, "target": "es2022", "module": "esnext",
                                   "moduleResolution": "bundler", "lib": ["es2022", "dom"], "skipLibCheck": true,
                                   "baseUrl": ".", "paths": { "@/lib/*": ["./*"] } },
              "files": ["storymedia.ts", "route.ts"] }
            """);

        var lint = await HostTools.RunAsync(work, "redocly", "lint", "openapi.json", "--format=stylish");
        var generate = await HostTools.RunAsync(work, "openapi-typescript", "openapi.json", "-o", "api.d.ts");
        var check = await HostTools.RunAsync(work, "tsc", "-p", "tsconfig.json");

        Assert.True(lint.ExitCode == 0, lint.Output);
        Assert.True(generate.ExitCode == 0, generate.Output);
        Assert.True(check.ExitCode == 0, check.Output);
    }

    [Fact]
    public async Task Every_signed_in_operation_requires_the_bearer_token_and_every_start_takes_an_Idempotency_Key()
    {
        await using var instance = await ServiceInstance.StartAsync(await Backend.CreateAsync(Backend.Sqlite));
        using var client = instance.Client();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("type").GetString());
        foreach (var start in new[] { "/api/generate_images", "/api/generate_video" })
        {
            var post = paths.GetProperty(start).GetProperty("post");
            Assert.Contains(post.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
            Assert.Equal(["202", "400", "401", "404", "409", "422", "429", "503"], post.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());
            Assert.True(post.GetProperty("security")[0].TryGetProperty("bearer", out _));
            var conflict = post.GetProperty("responses").GetProperty("409").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
            Assert.EndsWith("JobConflictProblem", conflict.GetProperty("$ref").GetString(), StringComparison.Ordinal);
        }
        var media = paths.GetProperty("/media/{key}").GetProperty("get");
        Assert.Equal(0, media.GetProperty("security").GetArrayLength());
        Assert.True(media.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        Assert.True(media.GetProperty("responses").GetProperty("206").GetProperty("content").TryGetProperty("video/mp4", out _));
        // A host app's receiver types its webhook payloads from the document too.
        var webhooks = document.GetProperty("webhooks");
        Assert.Equal(["cleared", "completed", "failed", "progress", "started"], webhooks.EnumerateObject().Select(w => w.Name).Order());
        Assert.EndsWith("WebhookPayload", webhooks.GetProperty("completed").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        var generateRequest = document.GetProperty("components").GetProperty("schemas").GetProperty("GenerateRequest");
        Assert.DoesNotContain(generateRequest.GetProperty("required").EnumerateArray(), r => r.GetString() is "style" or "instructions");
    }
}
