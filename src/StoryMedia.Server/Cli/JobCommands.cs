using System.CommandLine;
using System.Text.Json;
using StoryMedia.Data;
using StoryMedia.Jobs;

namespace StoryMedia.Cli;

/// <summary>
/// <c>jobs list --story ID</c> and <c>jobs clear --story ID</c>: an operator's view of a story's jobs, whoever owns it. A
/// clear goes through the same guard as the API's: the worker is stopped, the clear logged and counted.
/// </summary>
public static class JobCommands
{
    public const string ClearedByOperator = JobGuard.ClearedByOperator;

    // The operator names a story, not a user; the guard's own statements then run as its owner.
    private const string StoryOwner = "select user_id from stories where id = @story_id";

    public static Command Build()
    {
        var story = new Option<Guid>("--story") { Description = "The story id (UUID).", Required = true };
        var kind = new Option<string?>("--kind") { Description = "The kind of job: one of the registered kinds (default: the first, as the story page shows them)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };

        var list = new Command("list", "Lists the story's jobs, newest first.") { story, kind, json };
        list.SetAction((parse, ct) => ServerCommands.WithServicesAsync(async services =>
        {
            if (KindOf(services, parse.GetValue(kind)) is not { } jobKind)
            {
                return ExitCodes.Usage;
            }
            var storyId = parse.GetValue(story);
            if (await OwnerAsync(services, storyId, ct) is not { } owner)
            {
                return StoryNotFound(storyId);
            }
            var jobs = await services.GetRequiredService<JobStore>().ListAsync(jobKind.Name, storyId, owner, 1000, ct) ?? [];
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(jobs.Select(JobView.Of), ServerCommands.Json));
                return ExitCodes.Ok;
            }
            if (jobs.Count == 0)
            {
                Console.WriteLine($"Story {storyId} has no {jobKind.Name} jobs.");
                return ExitCodes.Ok;
            }
            Console.WriteLine("id\tstatus\tprogress\tattempts\tstarted_at\theartbeat_at\tworker\terror");
            foreach (var j in jobs)
            {
                Console.WriteLine($"{j.Id}\t{j.Status}\t{j.Progress}%\t{j.Attempts}\t{ServerCommands.Format(j.StartedAt)}\t{ServerCommands.Format(j.HeartbeatAt)}\t{j.WorkerId ?? "-"}\t{j.Error ?? ""}");
            }
            return ExitCodes.Ok;
        }));

        var clear = new Command("clear", "Marks the story's processing job failed; its worker, on any instance, stops at its next heartbeat.") { story, kind };
        clear.SetAction((parse, ct) => ServerCommands.WithServicesAsync(async services =>
        {
            if (KindOf(services, parse.GetValue(kind)) is not { } jobKind)
            {
                return ExitCodes.Usage;
            }
            var storyId = parse.GetValue(story);
            if (await OwnerAsync(services, storyId, ct) is not { } owner)
            {
                return StoryNotFound(storyId);
            }
            var outcome = await services.GetRequiredService<JobGuard>().ClearAsync(jobKind.Name, storyId, owner, JobGuard.ClearedByOperator, ct);
            Console.WriteLine(outcome is ClearOutcome.Cleared { Job: { } job }
                ? $"Cleared job {job.Id} of story {storyId} (it was at {job.Progress} %)."
                : $"Story {storyId} has no processing {jobKind.Name} job; nothing to clear.");
            return ExitCodes.Ok;
        }));

        return new Command("jobs", "Looks at and clears a story's jobs, and redelivers their webhooks.") { list, clear, WebhookCommands.Redeliver() };
    }

    /// <summary>The registered kind named by <c>--kind</c>, or the first; null (after saying which exist) for an unknown name.</summary>
    private static IJobKind? KindOf(IServiceProvider services, string? name)
    {
        var kinds = services.GetRequiredService<JobKinds>();
        if (name is null)
        {
            return kinds.All[0];
        }
        if (kinds.TryGet(name.ToLowerInvariant(), out var kind))
        {
            return kind;
        }
        Console.Error.WriteLine($"--kind must be one of {kinds.Names}, not '{name}'.");
        return null;
    }

    private static async Task<Guid?> OwnerAsync(IServiceProvider services, Guid storyId, CancellationToken ct)
    {
        var database = services.GetRequiredService<Database>();
        await using var connection = await database.OpenAsync(ct);
        await using var command = database.Command(connection, StoryOwner, null, ("story_id", storyId));
        return await command.ExecuteScalarAsync(ct) switch
        {
            Guid id => id,
            string text => Guid.Parse(text),
            _ => null,
        };
    }

    private static int StoryNotFound(Guid storyId)
    {
        Console.Error.WriteLine($"There is no story {storyId}.");
        return ExitCodes.NotFound;
    }
}
