namespace StoryMedia.Bench;

/// <summary>Server processes started together and stopped together, by name.</summary>
public sealed class ChildServers : IAsyncDisposable
{
    private readonly Dictionary<string, ChildServer> byName;

    private ChildServers(IEnumerable<ChildServer> servers) => byName = servers.ToDictionary(s => s.Name);

    public ChildServer this[string name] => byName[name];

    public static async Task<ChildServers> StartAsync(string serverDll, string workDirectory, IReadOnlyList<(string Name, Dictionary<string, string> Settings)> specs, CancellationToken ct)
    {
        var starts = specs.Select(spec =>
        {
            var settings = new Dictionary<string, string>(spec.Settings) { ["Media__Path"] = Path.Combine(workDirectory, $"media-{spec.Name}") };
            return ChildServer.StartAsync(spec.Name, serverDll, workDirectory, settings, ct);
        }).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            await new ChildServers(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result)).DisposeAsync();
            throw;
        }
        return new ChildServers(starts.Select(s => s.Result));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in byName.Values)
        {
            await server.DisposeAsync();
        }
    }
}
