using System.Net;
using System.Net.Sockets;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>
/// The README's "Scale out" commands, run as written with bash as a server process; only the exported values change:
/// a throwaway PostgreSQL database, the tests' secret, a free port, and the tests' S3-protocol server and its keys.
/// </summary>
[Collection(DocsCheckoutCollection.Name)]
public sealed class ScaleOutDocsTests(DocsCheckout checkout)
{
    [Fact]
    public async Task The_readme_scale_out_commands_start_an_instance_that_keeps_its_images_in_the_bucket()
    {
        var s3 = new S3Server();
        await s3.InitializeAsync();
        try
        {
            var address = new Uri($"http://127.0.0.1:{FreePort()}");
            var block = DocumentedCommands.Block("README.md", "export Media__Store=s3")
                .WithExportedValues(new Dictionary<string, string>
                {
                    ["ConnectionStrings__StoryMedia"] = await SharedPostgres.CreateDatabaseAsync(),
                    ["Auth__JwtSecret"] = TestTokens.Secret,
                    ["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/'),
                    ["Media__S3__ServiceUrl"] = s3.ServiceUrl,
                    ["Media__S3__AccessKey"] = S3Server.AccessKey,
                    ["Media__S3__SecretKey"] = S3Server.SecretKey,
                });

            await using var server = await checkout.StartServerAsync(block, new Uri(address, "/health/ready"));
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(Guid.NewGuid()));
            var story = await client.CreateStoryAsync(scenes: 1);
            var job = await client.WaitUntilFinishedAsync((await client.StartAsync(story.Id)).Id);
            var key = Path.GetFileName((await client.GetStoryAsync(story.Id)).Scenes[0].ImageUrl!);
            using var bucket = s3.Client();
            using var stored = await bucket.GetObjectAsync(S3Server.Bucket, key);
            using var copy = new MemoryStream();
            await stored.ResponseStream.CopyToAsync(copy);
            var served = await client.GetByteArrayAsync(new Uri($"/media/{key}", UriKind.Relative));

            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal(copy.ToArray(), served);
            Assert.Contains("StoryMedia starts in the Production environment", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            await s3.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
