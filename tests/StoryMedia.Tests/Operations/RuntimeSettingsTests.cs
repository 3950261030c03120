using System.Text.Json;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>The runtime settings the server ships with (docs/operations.md, "SQLite's writer").</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public async Task The_shipped_server_lets_no_idle_thread_pool_thread_spin()
    {
        var runtimeConfig = Path.ChangeExtension(ServerProcess.ServerDll, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(runtimeConfig));

        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
