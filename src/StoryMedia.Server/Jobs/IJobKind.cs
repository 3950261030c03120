using System.Data.Common;
using System.Text.Json;
using StoryMedia.Data;

namespace StoryMedia.Jobs;

/// <summary>
/// One kind of job: a plug-in to the guard. The guard (<see cref="JobStore"/>, <see cref="JobApi"/>, the runner, the media
/// sweep, the command line and the page) loops over the registered kinds and asks each for what only it knows; it never
/// names one. A kind lives in its own feature folder with its executor and its SQL, and is registered with
/// <see cref="JobKindRegistration.AddJobKind{TExecutor}"/>. Its table has the columns of <see cref="JobSql.Columns"/> and a partial
/// unique index on <c>(story_id) where status = 'processing'</c>.
/// </summary>
public interface IJobKind
{
    /// <summary>Lower case: the <c>kind</c> of its jobs on the wire, the command line's <c>--kind</c>, the telemetry tag.</summary>
    string Name { get; }

    /// <summary>Its job table.</summary>
    string Table { get; }

    JobRoutes Routes { get; }

    /// <summary>What its jobs do, as a title: "Image generation".</summary>
    string Activity { get; }

    /// <summary>How its start locks the story; a kind that another kind blocks must lock it exclusively (see <see cref="JobSql.LockStory"/>).</summary>
    StoryLock StartLock { get; }

    /// <summary>Whether its completion writes the story's own row, and so locks it first, in the order a start takes its locks.</summary>
    bool CompletionLocksStory => false;

    /// <summary>
    /// Rules between this kind and others that it declares, as either side: a new kind that blocks an existing one says so
    /// itself. A start clears stale jobs of the kinds that block it by the same rule as its own.
    /// </summary>
    IReadOnlyList<JobBlock> Blocks => [];

    /// <summary>What its completion changes in the story, named in the <c>story_changed</c> event (docs/events.md): images, video, narration.</summary>
    string? Changes => null;

    /// <summary>The media types its jobs make, each with the file extension its keys end in.</summary>
    IReadOnlyDictionary<string, string> MediaTypes { get; }

    /// <summary>
    /// A select of one text column: every media key this kind still uses, the ones its completed jobs published and the ones
    /// its processing jobs have made or copied so far. The media sweep deletes old files no kind names.
    /// </summary>
    string MediaKeysInUse { get; }

    /// <summary>
    /// A select of what a processing job of this kind has made so far, before its completion publishes it: the columns
    /// <c>scene_id</c> and <c>media_key</c> for the job <c>@job_id</c> of the user <c>@user_id</c>, in scene order, and rows
    /// only while the job is processing. Its job views list these as <c>previews</c> (<see cref="JobPreviews"/>), served to
    /// the job's owner alone. Null: the kind shows nothing before it completes.
    /// </summary>
    string? PreviewsOfJob => null;

    /// <summary>The page's module for this kind (wording, form fields, how progress reads), or null for the page's defaults.</summary>
    string? PageModule => null;

    /// <summary>
    /// Reads the members of a start's body that are this kind's own (beyond <c>story_id</c>, <c>style</c> and
    /// <c>instructions</c>, e.g. a narration's <c>voice</c>): the options its start hooks receive, or a refusal naming the field.
    /// </summary>
    StartOptions ReadStart(IReadOnlyDictionary<string, JsonElement> members) => StartOptions.None;

    /// <summary>Whether its start takes <c>scene_ids</c> (see <see cref="SceneChoice"/>): a kind that makes media scene by scene.</summary>
    bool ChoosesScenes => false;

    /// <summary>Whether its start also takes <c>same_seed</c>: a kind whose media is drawn from a seed.</summary>
    bool TakesSameSeed => false;

    /// <summary>Whether <see cref="CheckStart"/> may refuse a start (its route then documents the 422).</summary>
    bool ChecksStart => false;

    /// <summary>
    /// The reads its start needs, sent in the start's first batch under the story's lock, after stale jobs are cleared
    /// and before the insert: their rows, in this order, are what <see cref="CheckStart"/> and <see cref="Started"/>
    /// receive. The request carries the chosen scenes and the kind's own options (<see cref="NewJob.Options"/>).
    /// </summary>
    IReadOnlyList<BatchStatement> StartReads(NewJob request) => [];

    /// <summary>Its own refusal of the start, decided from its <see cref="StartReads"/>; a refusal rolls the start back, insert and all.</summary>
    StartOutcome.NotReady? CheckStart(NewJob request, StartRows reads) => null;

    /// <summary>
    /// The writes that keep the job's own state (a video keeps the scenes' images of this moment), once the job row is
    /// inserted: the start sends them in its last batch, with the change log's events; each returns a result set or is
    /// marked <see cref="BatchStatement.NoResultSet"/>.
    /// </summary>
    IReadOnlyList<BatchStatement> Started(Job job, NewJob request, StartRows reads) => [];

    /// <summary>Makes the job's results visible, in the transaction that marks it completed; not called when the fence refused.</summary>
    Task PublishAsync(JobScope scope, JobLease lease, CancellationToken cancellationToken);
}

/// <summary>What a kind read from its own members of a start's body: its options (null: none given), or why they are refused.</summary>
/// <param name="Style">A value for the job's <c>style</c> column, when the kind keeps one of its options there.</param>
public sealed record StartOptions(object? Value, string? Style = null, string? InvalidField = null, string? Invalid = null)
{
    public static readonly StartOptions None = new(Value: null);

    public static StartOptions Refuse(string field, string message) => new(Value: null, Style: null, InvalidField: field, Invalid: message);
}

public enum StoryLock
{
    /// <summary>Starts of this kind do not wait for each other; only for an exclusive holder.</summary>
    Shared,

    /// <summary>One start (or scene edit) at a time: what a start that reads other kinds' jobs needs.</summary>
    Exclusive,
}

/// <summary>The routes of one kind: start, clear, and the collection (history, one job, its events).</summary>
public sealed record JobRoutes(string Generate, string Clear, string Collection);

/// <summary>A processing job of <paramref name="Blocker"/> refuses a start of <paramref name="Blocked"/> for the same story.</summary>
/// <param name="Reason">Why, in a sentence the 409 answer quotes.</param>
public sealed record JobBlock(string Blocker, string Blocked, string Reason);

/// <summary>The rows of a kind's <see cref="IJobKind.StartReads"/>, one list per read, in its order.</summary>
public sealed class StartRows(IReadOnlyList<IReadOnlyList<object>> results)
{
    public IReadOnlyList<T> Of<T>(int read) => [.. results[read].Cast<T>()];
}

/// <summary>A transaction of the guard, as a kind's publication and its previews' read see it.</summary>
public sealed class JobScope(Database database, DatabaseTransaction transaction)
{
    /// <summary>Runs a statement; answers the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = database.Command(transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs a query; answers its rows, each mapped by <paramref name="row"/>.</summary>
    public Task<List<T>> ReadAsync<T>(string sql, Func<DbDataReader, T> row, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.ReadAsync(transaction, sql, row, cancellationToken, parameters);
}
