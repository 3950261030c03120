using System.Globalization;
using StoryMedia.Jobs;
using StoryMedia.Testing;

namespace StoryMedia.Bench;

/// <summary>
/// What a scenario that needs a server of its own gets from the run: the cluster, the server's binaries, a place for
/// files, and servers it starts on demand and stops with the run.
/// </summary>
public sealed class ScenarioHost(PostgresCluster cluster, string serverDll, string work, BenchSizes sizes, Action<string> say) : IAsyncDisposable
{
    private (ChildServer Server, string ConnectionString)? oneWorker;

    public PostgresCluster Cluster => cluster;

    public string Work => work;

    public BenchSizes Sizes => sizes;

    public void Say(string message) => say(message);

    /// <summary>
    /// The one-worker server of the video and fairness scenarios: the shipped per-user bounds (the rate limits raised,
    /// as for every bench server) and the video's scene length of <see cref="BenchSizes.VideoSecondsPerScene"/>.
    /// </summary>
    public async Task<ChildServer> OneWorkerAsync(CancellationToken ct)
    {
        var defaults = new JobOptions();
        oneWorker ??= await StartServerAsync("pg-one-worker", workers: 1, new Dictionary<string, string>
        {
            ["Jobs__MaxRunningPerUser"] = defaults.MaxRunningPerUser.ToString(CultureInfo.InvariantCulture),
            ["Jobs__MaxWaitingPerUser"] = defaults.MaxWaitingPerUser.ToString(CultureInfo.InvariantCulture),
            ["Video__SecondsPerScene"] = sizes.VideoSecondsPerScene.ToString(CultureInfo.InvariantCulture),
        }, ct);
        return oneWorker.Value.Server;
    }

    /// <summary>The database of <see cref="OneWorkerAsync"/>'s server, whose change log the fairness chart reads.</summary>
    public string OneWorkerDatabase => oneWorker?.ConnectionString ?? throw new InvalidOperationException("The one-worker server has not started.");

    /// <summary>A server process over a new PostgreSQL database of its own, configured as the run's other servers plus <paramref name="extra"/>; the caller stops it.</summary>
    public async Task<(ChildServer Server, string ConnectionString)> StartServerAsync(string name, int workers, IReadOnlyDictionary<string, string> extra, CancellationToken ct)
    {
        var database = BenchRun.ServerConnectionString(await cluster.CreateDatabaseAsync($"bench_{name.Replace('-', '_')}", ct));
        var settings = BenchRun.Settings("postgres", database, workers, extra);
        settings["Media__Path"] = Path.Combine(work, $"media-{name}");
        say($"starting server {name}");
        return (await ChildServer.StartAsync(name, serverDll, work, settings, ct), database);
    }

    public async ValueTask DisposeAsync()
    {
        if (oneWorker is not null)
        {
            await oneWorker.Value.Server.DisposeAsync();
        }
    }
}
