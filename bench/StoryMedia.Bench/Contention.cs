using System.Diagnostics;
using System.Net;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 1: bursts of simultaneous starts on one story, spread over the instances, beside bursts of plain
/// authenticated story reads of the same size, alternated so both see the same machine.
/// </summary>
public static class Contention
{
    public sealed record Result(int Requests, int Rounds, IReadOnlyList<int> WinnersPerRound, Latencies Conflicts, Latencies Reads);

    public static async Task<Result> RunAsync(IReadOnlyList<BenchClient> clients, int requests, int rounds, CancellationToken ct)
    {
        var warm = await clients[0].CreateStoryAsync(1, ct);
        await Task.WhenAll(clients.Select(c => c.WarmUpAsync(warm.Id, requests / clients.Count, ct)));
        await BurstAsync(clients, requests, c => Start(c, warm.Id, ct));
        await BurstAsync(clients, requests, c => c.GetStoryStatusAsync(warm.Id, ct));

        var winners = new List<int>();
        var conflicts = new Latencies();
        var reads = new Latencies();
        for (var round = 0; round < rounds; round++)
        {
            var story = await clients[0].CreateStoryAsync(1, ct);
            var got = await BurstAsync(clients, requests, c => c.GetStoryStatusAsync(story.Id, ct));
            Expect(got, HttpStatusCode.OK, "GET /api/stories/{id}");
            reads.AddRange(got.Select(g => g.Milliseconds));

            var started = await BurstAsync(clients, requests, c => Start(c, story.Id, ct));
            Expect(started.Where(s => s.Status != HttpStatusCode.Accepted), HttpStatusCode.Conflict, "POST /api/generate_images");
            winners.Add(started.Count(s => s.Status == HttpStatusCode.Accepted));
            conflicts.AddRange(started.Where(s => s.Status == HttpStatusCode.Conflict).Select(s => s.Milliseconds));
        }
        return new Result(requests, rounds, winners, conflicts, reads);
    }

    private static async Task<HttpStatusCode> Start(BenchClient client, Guid storyId, CancellationToken ct) =>
        (await client.GenerateAsync(storyId, ct)).Status;

    /// <summary>Queues every request behind one gate and opens it, so they leave together; each is timed from its own send.</summary>
    public static async Task<(HttpStatusCode Status, double Milliseconds)[]> BurstAsync(
        IReadOnlyList<BenchClient> clients, int requests, Func<BenchClient, Task<HttpStatusCode>> send)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, requests).Select(async i =>
        {
            await gate.Task;
            var clock = Stopwatch.StartNew();
            var status = await send(clients[i % clients.Count]);
            return (status, clock.Elapsed.TotalMilliseconds);
        }).ToArray();
        gate.SetResult();
        return await Task.WhenAll(calls);
    }

    private static void Expect(IEnumerable<(HttpStatusCode Status, double Milliseconds)> answers, HttpStatusCode expected, string what)
    {
        var other = answers.Where(a => a.Status != expected).GroupBy(a => a.Status).Select(g => $"{g.Count()}x {(int)g.Key}").ToList();
        if (other.Count > 0)
        {
            throw new BenchFailedException($"{what} answered {string.Join(", ", other)} besides {(int)expected}.");
        }
    }
}

/// <summary>A correctness check failed: the figures of a run that breaks the guard mean nothing.</summary>
public sealed class BenchFailedException(string message) : Exception(message);
