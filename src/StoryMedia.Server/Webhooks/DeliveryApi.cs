using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using StoryMedia.Http;
using StoryMedia.Jobs;

namespace StoryMedia.Webhooks;

/// <summary><c>GET {kind's collection}/{id}/deliveries</c>, under every registered kind: the job's webhook deliveries, for its owner.</summary>
public static class DeliveryApi
{
    public static IEnumerable<RouteGroupBuilder> MapDeliveries(this IEndpointRouteBuilder routes)
    {
        foreach (var kind in routes.ServiceProvider.GetRequiredService<JobKinds>().All)
        {
            var group = routes.MapGroup(kind.Routes.Collection).RequireAuthorization().WithTags(kind.Activity);
            group.MapGet("{id:guid}/deliveries", (Guid id, ClaimsPrincipal user, JobStore jobs, WebhookStore webhooks, CancellationToken ct) =>
                    ListAsync(kind, id, user, jobs, webhooks, ct))
                .WithName($"List{JobKinds.Pascal(kind.Name)}JobDeliveries")
                .WithSummary("The job's webhook deliveries in the order they are sent: each one's state, attempts and last answer.")
                .ProducesProblem(StatusCodes.Status404NotFound);
            yield return group;
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookDeliveryView>>, ProblemHttpResult>> ListAsync(
        IJobKind kind, Guid id, ClaimsPrincipal user, JobStore jobs, WebhookStore webhooks, CancellationToken ct)
    {
        var userId = user.UserId();
        if (await jobs.GetAsync(kind.Name, id, userId, ct) is null)
        {
            return Problems.JobNotFound(id);
        }
        return TypedResults.Ok(await webhooks.ListAsync(id, userId, ct));
    }
}
