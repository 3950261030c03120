namespace StoryMedia.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Waits for a condition that should hold within <paramref name="within"/> (with slack for a loaded machine).</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within + TimeSpan.FromSeconds(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {within}.");
            await Task.Delay(10);
        }
    }

    /// <summary>The same for a condition that must ask over the network or the database.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within + TimeSpan.FromSeconds(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {within}.");
            await Task.Delay(50);
        }
    }
}
