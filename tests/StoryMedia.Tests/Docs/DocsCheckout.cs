using System.Net;
using System.Net.Sockets;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>
/// A fresh copy of the repository's sources (no bin/, obj/ or data/), where the docs' `dotnet run` commands run exactly as
/// written, from its root: they build Debug and keep their data under src/StoryMedia.Server/data, so the developer's own
/// build and development database stay untouched. One copy serves the collection, which runs its tests one at a time:
/// they share the copy's build and the port the launch profile listens on.
/// </summary>
public sealed class DocsCheckout : IAsyncLifetime
{
    /// <summary>Where `dotnet run` listens with the launch profile (src/StoryMedia.Server/Properties/launchSettings.json), as the README says.</summary>
    public static readonly Uri DevelopmentAddress = new("http://localhost:5080");

    private static readonly string[] Skipped = ["bin", "obj", "data"];

    private FileStream? portLock;

    public string Root { get; } = TempDirectory.Create("checkout");

    public async Task InitializeAsync()
    {
        portLock = await LockDevelopmentPortAsync();
        foreach (var file in Directory.EnumerateFiles(Repository.Root).Where(f => Path.GetFileName(f) != ".git"))
        {
            File.Copy(file, Path.Combine(Root, Path.GetFileName(file)));
        }
        CopyTree(Path.Combine(Repository.Root, "src"), Path.Combine(Root, "src"));
    }

    /// <summary>Starts a documented block that ends in a server, in the copy, and waits until <paramref name="health"/> answers.</summary>
    public async Task<ShellScript> StartServerAsync(string block, Uri health)
    {
        await WaitUntilNothingListensAsync(health.Port);
        // Each documented start begins as on a fresh clone: a job the previous one left processing in the default
        // SQLite file would otherwise be taken over by this one's workers (and drawn by its provider).
        var data = Path.Combine(Root, "src", "StoryMedia.Server", "data");
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
        var script = ShellScript.Start(block, Root);
        try
        {
            // The first start builds the copy (Debug) from scratch.
            await script.WaitUntilAnswersAsync(health, TimeSpan.FromMinutes(4));
            return script;
        }
        catch
        {
            await script.DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        portLock?.Dispose();
        // With its Debug build the copy is some 150 MB; ./test.sh removes its run's directory anyway, a plain `dotnet test` does not.
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var directory in Directory.EnumerateDirectories(from).Where(d => !Skipped.Contains(Path.GetFileName(d))))
        {
            CopyTree(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    /// <summary>
    /// Test runs in other worktrees on this machine take turns for port 5080 through a lock file (FileShare.None is an
    /// exclusive lock between .NET processes); anything else listening there is reported rather than waited for.
    /// </summary>
    private static async Task<FileStream> LockDevelopmentPortAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), "storymedia-docs-port-5080.lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                var held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (IsListening(IPAddress.Loopback, DevelopmentAddress.Port) || IsListening(IPAddress.IPv6Loopback, DevelopmentAddress.Port))
                {
                    held.Dispose();
                    throw new InvalidOperationException(
                        $"Another program listens on port {DevelopmentAddress.Port}, where the README's `dotnet run` serves (a `dotnet run` of your own?). Stop it and run the tests again.");
                }
                return held;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>The previous test's server, killed with its script, may take a moment to let go of the port; it must not answer for the next.</summary>
    private static async Task WaitUntilNothingListensAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (IsListening(IPAddress.Loopback, port) || IsListening(IPAddress.IPv6Loopback, port))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Port {port} is still in use 30 s after the previous server was stopped.");
            await Task.Delay(100);
        }
    }

    private static bool IsListening(IPAddress address, int port)
    {
        using var client = new TcpClient(address.AddressFamily);
        try
        {
            client.Connect(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>The tests that run the docs' `dotnet run` commands in the one <see cref="DocsCheckout"/>, one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class DocsCheckoutCollection : ICollectionFixture<DocsCheckout>
{
    public const string Name = "Documented dotnet run commands";
}

/// <summary>The tests that run documented commands building Release in the repository itself (bench.sh, the video measurement), one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class RepositoryBuildsCollection
{
    public const string Name = "Documented commands that build the repository";
}
