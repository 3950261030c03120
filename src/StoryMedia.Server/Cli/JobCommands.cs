using System.CommandLine;
using System.Text.Json;
using StoryMedia.Data;
using StoryMedia.Jobs;

namespace StoryMedia.Cli;

/// <summary><c>jobs list --story ID</c> and <c>jobs clear --story ID</c>: an operator's view of a story's jobs, whoever owns it.</summary>
public static class JobCommands
{
    public const string ClearedByOperator = "Cleared by an operator before it finished.";

    // The operator names a story, not a user; the guard's own statements then run as its owner.
    private const string StoryOwner = "select user_id from stories where id = @story_id";

    public static Command Build()
    {
        var story = new Option<Guid>("--story") { Description = "The story id (UUID).", Required = true };
        var kind = new Option<string>("--kind") { Description = "The kind of job.", DefaultValueFactory = _ => "image" };
        kind.AcceptOnlyFromAmong([.. Enum.GetNames<JobKind>().Select(n => n.ToLowerInvariant())]);
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };

        var list = new Command("list", "Lists the story's jobs, newest first.") { story, kind, json };
        list.SetAction((parse, ct) => ServerCommands.WithServicesAsync(async services =>
        {
            var jobKind = Enum.Parse<JobKind>(parse.GetValue(kind)!, ignoreCase: true);
            var storyId = parse.GetValue(story);
            if (await OwnerAsync(services, storyId, ct) is not { } owner)
            {
                return StoryNotFound(storyId);
            }
            var jobs = await services.GetRequiredService<JobStore>().ListAsync(jobKind, storyId, owner, 1000, ct) ?? [];
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(jobs.Select(JobView.Of), ServerCommands.Json));
                return ExitCodes.Ok;
            }
            if (jobs.Count == 0)
            {
                Console.WriteLine($"Story {storyId} has no {jobKind.ToString().ToLowerInvariant()} jobs.");
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
            var jobKind = Enum.Parse<JobKind>(parse.GetValue(kind)!, ignoreCase: true);
            var storyId = parse.GetValue(story);
            if (await OwnerAsync(services, storyId, ct) is not { } owner)
            {
                return StoryNotFound(storyId);
            }
            var outcome = await services.GetRequiredService<JobStore>().ClearAsync(jobKind, storyId, owner, ClearedByOperator, DateTimeOffset.UtcNow, ct);
            Console.WriteLine(outcome is ClearOutcome.Cleared { Job: { } job }
                ? $"Cleared job {job.Id} of story {storyId} (it was at {job.Progress} %)."
                : $"Story {storyId} has no processing {jobKind.ToString().ToLowerInvariant()} job; nothing to clear.");
            return ExitCodes.Ok;
        }));

        return new Command("jobs", "Looks at and clears a story's jobs.") { list, clear };
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
