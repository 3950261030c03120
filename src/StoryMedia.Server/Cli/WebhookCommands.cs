using System.CommandLine;
using StoryMedia.Webhooks;

namespace StoryMedia.Cli;

/// <summary><c>jobs redeliver ID</c>: an operator sends a delivered or dead webhook delivery again, or every one of a job.</summary>
public static class WebhookCommands
{
    public static Command Redeliver()
    {
        var id = new Argument<Guid>("id") { Description = "A delivery id, or a job id for every delivery of the job (UUID)." };
        var redeliver = new Command("redeliver", "Sends a delivered or dead webhook delivery again (same webhook-id), or every one of a job, with a new Webhooks:RetryFor.") { id };
        redeliver.SetAction((parse, ct) => ServerCommands.WithServicesAsync(async services =>
        {
            var target = parse.GetValue(id);
            var queued = await services.GetRequiredService<WebhookStore>().RedeliverAsync(target, services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
            if (queued is null)
            {
                Console.Error.WriteLine($"There is no webhook delivery or job with deliveries {target}.");
                return ExitCodes.NotFound;
            }
            Console.WriteLine(queued == 0
                ? $"Nothing to redeliver for {target}: its deliveries are still pending."
                : $"Queued {queued} {(queued == 1 ? "delivery" : "deliveries")} of {target} again; any instance sends {(queued == 1 ? "it" : "them")} in order.");
            return ExitCodes.Ok;
        }));
        return redeliver;
    }
}
