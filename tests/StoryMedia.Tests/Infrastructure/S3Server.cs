using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>
/// A real S3-protocol server (s3rver, a Node server that checks SigV4 signatures; ./test.sh installs it) on a free
/// loopback port, for one test class. Tests share it through their own key prefixes. It can be stopped and started
/// again on the same port and data, as a store that goes away mid-job.
/// </summary>
public sealed class S3Server : IAsyncLifetime
{
    public const string Bucket = "storymedia";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly string data = TempDirectory.Create("s3rver");
    private Process? process;

    public int Port { get; private set; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    /// <summary>STORYMEDIA_S3RVER, as ./test.sh exports it, or the place ./test.sh installs it.</summary>
    private static string Executable => Environment.GetEnvironmentVariable("STORYMEDIA_S3RVER") is { Length: > 0 } path
        ? path
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "storymedia", "s3rver-3.7.1", "node_modules", ".bin", "s3rver");

    public async Task InitializeAsync()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        await StartAsync();
    }

    /// <summary>The settings of an S3 media store on this server, under a prefix of its own.</summary>
    public Dictionary<string, string?> Settings(string? prefix = null) => new()
    {
        ["Media:Store"] = "s3",
        ["Media:S3:ServiceUrl"] = ServiceUrl,
        ["Media:S3:Bucket"] = Bucket,
        ["Media:S3:Region"] = "us-east-1",
        ["Media:S3:AccessKey"] = AccessKey,
        ["Media:S3:SecretKey"] = SecretKey,
        ["Media:S3:ForcePathStyle"] = "true",
        ["Media:S3:Prefix"] = prefix ?? $"t-{Guid.NewGuid():N}/",
        ["Media:S3:RetryDelay"] = "00:00:00.100",
        ["Media:S3:MaxRetries"] = "3",
    };

    /// <summary>A client of its own, to look at the bucket as the service cannot.</summary>
    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
    });

    public async Task StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"s3rver is not installed at {Executable}; ./test.sh installs it (npm install s3rver@3.7.1).");
        }
        // The shell ends s3rver when its stdin closes: on StopAsync, or when the test host dies.
        var start = new ProcessStartInfo("sh", ["-c", "exec 2>/dev/null; \"$@\" </dev/null >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid; wait $pid", "sh",
            Executable, "-d", data, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", "--configure-bucket", Bucket])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // s3rver makes its continuation tokens with DES, which Node's OpenSSL 3 refuses without the legacy provider.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start s3rver.");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Stops the server; its port refuses connections until <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        process.Dispose();
        process = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(data, recursive: true);
    }
}
