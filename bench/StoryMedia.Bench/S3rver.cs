using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace StoryMedia.Bench;

/// <summary>
/// s3rver (a Node S3 server that checks SigV4 signatures), where bench.sh installs it (.ci/s3rver.sh, shared with
/// test.sh), on a free loopback port with its data in the bench's work directory. A test server: correct, not fast.
/// </summary>
public sealed class S3rver : IAsyncDisposable
{
    public const string Bucket = "storymedia";
    private const string Key = "S3RVER";

    private readonly Process shell;

    private S3rver(Process shell, int port)
    {
        this.shell = shell;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    public static async Task<S3rver> StartAsync(string workDirectory, CancellationToken ct)
    {
        var executable = Environment.GetEnvironmentVariable("STORYMEDIA_S3RVER") is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw new BenchFailedException("s3rver is not installed: run the bench through ./bench.sh, which installs it (.ci/s3rver.sh).");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var data = Directory.CreateDirectory(Path.Combine(workDirectory, "s3rver")).FullName;
        // The shell ends s3rver when its stdin closes: on dispose, or when the bench dies for any reason.
        var start = new ProcessStartInfo("sh", ["-c", "exec 2>/dev/null; \"$@\" </dev/null >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid; wait $pid", "sh",
            executable, "-d", data, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-s", "--configure-bucket", Bucket])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // s3rver makes its continuation tokens with DES, which Node's OpenSSL 3 refuses without the legacy provider.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        var server = new S3rver(Process.Start(start) ?? throw new InvalidOperationException("Could not start s3rver."), port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, ct);
                return server;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !server.shell.HasExited)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    /// <summary>The server's settings for an S3 media store here, as environment variables.</summary>
    public Dictionary<string, string> Settings(string prefix) => new()
    {
        ["Media__Store"] = "s3",
        ["Media__S3__ServiceUrl"] = ServiceUrl,
        ["Media__S3__Bucket"] = Bucket,
        ["Media__S3__Region"] = "us-east-1",
        ["Media__S3__AccessKey"] = Key,
        ["Media__S3__SecretKey"] = Key,
        ["Media__S3__ForcePathStyle"] = "true",
        ["Media__S3__Prefix"] = prefix,
    };

    /// <summary>A client configured as the service configures its own (S3MediaStore): path style, no SDK retries.</summary>
    public AmazonS3Client Client() => new(new BasicAWSCredentials(Key, Key), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
    });

    public async ValueTask DisposeAsync()
    {
        shell.StandardInput.Close();
        await shell.WaitForExitAsync();
        shell.Dispose();
    }
}
