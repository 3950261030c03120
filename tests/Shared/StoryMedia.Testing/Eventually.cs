namespace StoryMedia.Testing;

/// <summary>The one way tests wait: for a condition that should hold within a time, with slack for a loaded machine.</summary>
public static class Eventually
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    public static Task TrueAsync(Func<bool> condition, TimeSpan within, string? what = null) =>
        TrueAsync(() => Task.FromResult(condition()), within, what);

    /// <summary>The same for a condition that must ask over the network or the database.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string? what = null) =>
        await ReadAsync(condition, held => held, within, _ => what ?? $"The condition did not hold within {within}.");

    /// <summary>Reads until the value satisfies <paramref name="done"/>, and answers it; fails saying what the last value was.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan within, Func<T, string> describe)
    {
        var deadline = DateTime.UtcNow + within + Slack;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe(value));
            }
            await Task.Delay(50);
        }
    }
}
