using System.Text;
using Microsoft.Extensions.DependencyInjection;
using StoryMedia.Data;
using StoryMedia.Jobs;
using StoryMedia.Media;
using StoryMedia.Stories;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Jobs.NoteKind;

/// <summary>
/// A throwaway third kind, registered only by the tests, to prove the plug-in boundary: a folder, one registration and a
/// migration (its own table, <c>note_generation_jobs</c>), and no edit of the guard or of the other kinds. A note job writes
/// a line about the story to a text file; the story's note changes when the job completes. It declares that it blocks video
/// starts, which the video kind does not know of.
/// </summary>
public sealed class NoteJobKind : IJobKind
{
    public const string Kind = "note";

    public static readonly JobRoutes Paths = new("/api/generate_note", "/api/clear_note_job", "/api/note_jobs");

    public string Name => Kind;

    public string Table => "note_generation_jobs";

    public JobRoutes Routes => Paths;

    public string Activity => "Note writing";

    public StoryLock StartLock => StoryLock.Shared;

    public IReadOnlyList<JobBlock> Blocks { get; } = [new(Kind, VideoJobKind.Kind, "A video waits while a note is written.")];

    public IReadOnlyDictionary<string, string> MediaTypes { get; } = new Dictionary<string, string> { ["text/plain"] = ".txt" };

    public string MediaKeysInUse => """
        select note_key from story_notes
        union select note_key from note_generation_jobs where status = 'processing' and note_key is not null
        """;

    public Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken) =>
        scope.ExecuteAsync("""
            insert into story_notes (story_id, note_key)
            select story_id, note_key from note_generation_jobs where id = @job_id and note_key is not null
            on conflict (story_id) do update set note_key = excluded.note_key
            """, cancellationToken, ("job_id", lease.JobId));
}

/// <summary>The note a job wrote (a fenced write), and the note a story shows.</summary>
public sealed class NoteOutputs(JobStore jobs)
{
    public Task<bool> RecordAsync(JobLease lease, string noteKey, CancellationToken cancellationToken) =>
        jobs.FencedAsync(lease, $"update note_generation_jobs set note_key = @note_key where {JobSql.Fence}", cancellationToken, ("note_key", noteKey));

    public async Task<string?> OfJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        (await ReadAsync("select note_key from note_generation_jobs where id = @id", jobId, cancellationToken)).FirstOrDefault();

    public async Task<string?> OfStoryAsync(Guid storyId, CancellationToken cancellationToken) =>
        (await ReadAsync("select note_key from story_notes where story_id = @id", storyId, cancellationToken)).FirstOrDefault();

    private Task<List<string?>> ReadAsync(string sql, Guid id, CancellationToken cancellationToken) =>
        jobs.Database.ReadAsWorkerAsync(sql, r => r.IsDBNull(0) ? null : r.GetString(0), cancellationToken, ("id", id));
}

public sealed class NoteJobExecutor(StoryStore stories, MediaStore media, NoteOutputs notes) : IJobExecutor
{
    public async Task ExecuteAsync(JobContext context, CancellationToken cancellationToken)
    {
        var story = await stories.GetForWorkerAsync(context.Job.StoryId, context.Job.UserId, cancellationToken)
            ?? throw new JobFailedException("The story no longer exists.");
        await context.ReportAsync(0, 1, cancellationToken);
        var key = await media.SaveAsync(Encoding.UTF8.GetBytes($"{story.Title}: {story.Scenes.Count} scenes"), "text/plain", cancellationToken);
        context.EnsureStillOurs(await notes.RecordAsync(context.Lease, key, cancellationToken));
    }
}

public static class NoteJobs
{
    /// <summary>The one registration: the kind, its executor, and the test assembly's migrations.</summary>
    public static IServiceCollection AddNoteJobs(this IServiceCollection services)
    {
        services.AddSingleton(new MigrationSource(typeof(NoteJobKind).Assembly));
        services.AddSingleton<NoteOutputs>();
        return services.AddJobKind<NoteJobExecutor>(new NoteJobKind());
    }
}
