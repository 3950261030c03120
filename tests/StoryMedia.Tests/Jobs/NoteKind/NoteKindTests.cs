using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StoryMedia.Jobs;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Jobs.NoteKind;

/// <summary>
/// The plug-in boundary over HTTP: a kind only the tests register is listed, served on its own routes, refused with the one
/// 409 shape, run by the workers, published on completion, and blocks another kind's start, with no edit of the service.
/// </summary>
public sealed class NoteKindTests
{
    private readonly Guid user = Guid.NewGuid();

    [Fact]
    public async Task A_kind_registered_by_the_tests_alone_is_started_refused_run_and_published_through_the_same_guard()
    {
        var backend = await Backend.CreateAsync(Backend.Postgres);
        JobView job;
        Guid storyId;
        await using (var apiOnly = await ServiceInstance.StartAsync(backend, new Dictionary<string, string?> { ["Jobs:WorkerConcurrency"] = "0" }, services: s => s.AddNoteJobs()))
        {
            using var client = apiOnly.Client(user);
            var kinds = await client.GetFromJsonAsync<JsonElement[]>("/api/job_kinds", Api.Json);
            Assert.Equal(["image", "narration", "note", "video"], kinds!.Select(k => k.GetProperty("name").GetString()).Order());
            storyId = (await client.CreateStoryAsync(scenes: 2)).Id;

            job = await client.StartAsync(storyId, NoteJobKind.Paths);
            using var again = await client.GenerateAsync(storyId, NoteJobKind.Paths);
            using var video = await client.GenerateAsync(storyId, VideoJobKind.Paths);

            Assert.Equal(NoteJobKind.Kind, job.Kind);
            foreach (var refused in new[] { again, video })
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter?.Delta);
                var conflict = (await refused.ProblemAsync()).GetProperty("job");
                Assert.Equal((job.Id, NoteJobKind.Kind), (conflict.GetProperty("id").GetGuid(), conflict.GetProperty("kind").GetString()));
            }
            Assert.Empty(await client.JobsAsync(storyId, VideoJobKind.Paths));
        }

        await using var withWorkers = await ServiceInstance.StartAsync(backend, services: s => s.AddNoteJobs());
        using var worker = withWorkers.Client(user);
        var done = await worker.WaitUntilFinishedAsync(job.Id, kind: NoteJobKind.Paths);

        Assert.Equal((JobStatus.Completed, 100), (done.Status, done.Progress));
        var note = await withWorkers.Get<NoteOutputs>().OfStoryAsync(storyId, CancellationToken.None);
        Assert.NotNull(note);
        using var file = await worker.GetAsync(new Uri($"/media/{note}", UriKind.Relative));
        Assert.Equal("text/plain", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal("The fox: 2 scenes", await file.Content.ReadAsStringAsync());
    }
}
