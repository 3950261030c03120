using System.Data;
using StoryMedia.Data;
using StoryMedia.Events;
using StoryMedia.Jobs;

namespace StoryMedia.Stories;

/// <summary>Stories and their scenes. Every read for a user is filtered by owner; a story of another user does not exist.</summary>
public sealed class StoryStore(Database database, JobStore jobs, StoryEventLog events)
{
    internal const string InsertStory =
        "insert into stories (id, user_id, title, style, created_at) values (@id, @user_id, @title, @style, @created_at)";

    internal const string InsertScene =
        "insert into scenes (id, story_id, position, text) values (@id, @story_id, @position, @text)";

    internal const string SelectOwned =
        "select id, user_id, title, style, created_at, video_key, subtitles_key from stories where id = @story_id and user_id = @user_id";

    /// <summary>
    /// A page of the user's stories, newest first, in one statement: each with its scene count and its first scene's
    /// image (both from the unique (story_id, position) index). Ties on created_at are broken by id, so a page ends
    /// at a definite (created_at, id) from which <see cref="AfterCursor"/> continues.
    /// </summary>
    internal const string SelectSummaries = """
        select s.id, s.title, s.style, s.created_at,
               (select count(*) from scenes c where c.story_id = s.id) as scene_count,
               (select c.image_key from scenes c where c.story_id = s.id order by c.position limit 1) as cover_image_key
          from stories s
         where s.user_id = @user_id
        """;

    internal const string AfterCursor = " and (s.created_at, s.id) < (@after_created_at, @after_id)";

    internal const string NewestFirst = " order by s.created_at desc, s.id desc limit @limit";

    internal const string SelectScenes =
        "select id, position, text, image_key, audio_key, audio_seconds, audio_text from scenes where story_id = @story_id order by position";

    /// <summary>The user's story, locked exclusively until the edit commits, so no job starts between the edit's check for a running job and its writes (<see cref="JobSql.LockStory"/>).</summary>
    internal static string LockOwned(string lockRows) => $"{SelectOwned} {lockRows}";

    // Every scene statement also filters on the owner: on SQLite that is the only ownership check.
    private const string OfOwnedStory = "story_id = @story_id and story_id in (select id from stories where id = @story_id and user_id = @user_id)";

    /// <summary>Moves the story's positions out of the way (negative), so the new ones never meet the old under unique (story_id, position).</summary>
    internal const string MoveScenesAside = "update scenes set position = -position where " + OfOwnedStory;

    internal const string UpdateScene = "update scenes set position = @position, text = @text where id = @scene_id and " + OfOwnedStory;

    public async Task<Story> CreateAsync(Guid userId, NewStory story, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(now);
        var scenes = story.Scenes.Select((text, index) => new Scene(Guid.CreateVersion7(now), index + 1, text, null)).ToList();
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        await using (var insert = database.Command(scope, InsertStory,
            ("id", id), ("user_id", userId), ("title", story.Title), ("style", story.Style), ("created_at", now)))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var scene in scenes)
        {
            await using var insert = database.Command(scope, InsertScene,
                ("id", scene.Id), ("story_id", id), ("position", scene.Position), ("text", scene.Text));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await scope.CommitAsync(cancellationToken);
        return new Story(id, userId, story.Title, story.Style, now, scenes);
    }

    /// <summary>
    /// Sets the text and order of the story's scenes in one transaction, unless the edit does not list exactly its
    /// scenes or a job of any kind is processing for it. Images stay with their scenes. The edit is logged as
    /// <c>story_changed</c> {"what": "scenes"} in its transaction (docs/events.md).
    /// </summary>
    public async Task<SceneEditOutcome> EditScenesAsync(Guid storyId, Guid userId, IReadOnlyList<SceneEdit> edits, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginWriteAsUserAsync(userId, cancellationToken);
        var owned = await ReadStoriesAsync(scope, LockOwned(database.LockRows), cancellationToken, ("story_id", storyId), ("user_id", userId));
        if (owned.Count == 0)
        {
            return new SceneEditOutcome.StoryNotFound();
        }
        if (WrongScenes(owned[0].Scenes, edits) is { } wrong)
        {
            return wrong;
        }
        if (await jobs.ProcessingAsync(scope, storyId, cancellationToken) is { } running)
        {
            return new SceneEditOutcome.JobRunning(running);
        }
        await using (var aside = database.Command(scope, MoveScenesAside, ("story_id", storyId), ("user_id", userId)))
        {
            await aside.ExecuteNonQueryAsync(cancellationToken);
        }
        for (var i = 0; i < edits.Count; i++)
        {
            await using var update = database.Command(scope, UpdateScene,
                ("scene_id", edits[i].Id), ("story_id", storyId), ("user_id", userId), ("position", i + 1), ("text", edits[i].Text));
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        var edited = await ReadStoriesAsync(scope, SelectOwned, cancellationToken, ("story_id", storyId), ("user_id", userId));
        await events.AppendAsync(scope, StoryEvent.Changed(storyId, userId, "scenes"), now, cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return new SceneEditOutcome.Edited(edited[0]);
    }

    private static SceneEditOutcome.WrongScenes? WrongScenes(IReadOnlyList<Scene> scenes, IReadOnlyList<SceneEdit> edits)
    {
        var existing = scenes.Select(s => s.Id).ToHashSet();
        var listed = new HashSet<Guid>();
        for (var i = 0; i < edits.Count; i++)
        {
            if (!existing.Contains(edits[i].Id))
            {
                return new($"scenes[{i}].id", $"{edits[i].Id} is not a scene of this story.");
            }
            if (!listed.Add(edits[i].Id))
            {
                return new($"scenes[{i}].id", $"lists scene {edits[i].Id} twice; list each scene once.");
            }
        }
        return scenes.FirstOrDefault(s => !listed.Contains(s.Id)) is { } missing
            ? new("scenes", $"must list every scene of the story; scene {missing.Id} (position {missing.Position}) is missing.")
            : null;
    }

    public async Task<Story?> GetAsync(Guid storyId, Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        var stories = await ReadStoriesAsync(scope, SelectOwned, cancellationToken, ("story_id", storyId), ("user_id", userId));
        return stories.Count == 0 ? null : stories[0];
    }

    /// <summary>Up to <paramref name="limit"/> of the user's stories, newest first, starting after <paramref name="after"/> when given.</summary>
    public async Task<IReadOnlyList<StorySummary>> ListAsync(Guid userId, int limit, StoryCursor? after, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = after is { } cursor
            ? database.Command(scope, SelectSummaries + AfterCursor + NewestFirst,
                ("user_id", userId), ("limit", limit), ("after_created_at", cursor.CreatedAt), ("after_id", cursor.Id))
            : database.Command(scope, SelectSummaries + NewestFirst, ("user_id", userId), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var summaries = new List<StorySummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            summaries.Add(new StorySummary(
                reader.GetGuid("id"), reader.GetString("title"), reader.GetString("style"), reader.GetFieldValue<DateTimeOffset>("created_at"),
                (int)reader.GetInt64("scene_count"), reader.IsDBNull("cover_image_key") ? null : reader.GetString("cover_image_key")));
        }
        return summaries;
    }

    /// <summary>
    /// For workers, which see every user's rows: the story only if it belongs to the job's owner, so a job that
    /// somehow names another user's story renders nothing of it.
    /// </summary>
    public async Task<Story?> GetForWorkerAsync(Guid storyId, Guid ownerId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsync(cancellationToken);
        var stories = await ReadStoriesAsync(scope, SelectOwned, cancellationToken, ("story_id", storyId), ("user_id", ownerId));
        return stories.Count == 0 ? null : stories[0];
    }

    private async Task<IReadOnlyList<Story>> ReadStoriesAsync(DatabaseTransaction scope, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        var headers = new List<(Guid Id, Guid UserId, string Title, string Style, DateTimeOffset CreatedAt, string? VideoKey, string? SubtitlesKey)>();
        await using (var command = database.Command(scope, sql, parameters))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                headers.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull("subtitles_key") ? null : reader.GetString("subtitles_key")));
            }
        }
        var stories = new List<Story>(headers.Count);
        foreach (var h in headers)
        {
            stories.Add(new Story(h.Id, h.UserId, h.Title, h.Style, h.CreatedAt, await ReadScenesAsync(scope, h.Id, cancellationToken), h.VideoKey, h.SubtitlesKey));
        }
        return stories;
    }

    private async Task<IReadOnlyList<Scene>> ReadScenesAsync(DatabaseTransaction scope, Guid storyId, CancellationToken cancellationToken)
    {
        await using var command = database.Command(scope, SelectScenes, ("story_id", storyId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var scenes = new List<Scene>();
        while (await reader.ReadAsync(cancellationToken))
        {
            scenes.Add(new Scene(reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull("audio_key") ? null : reader.GetString("audio_key"),
                reader.IsDBNull("audio_seconds") ? null : reader.GetDouble("audio_seconds"),
                reader.IsDBNull("audio_text") ? null : reader.GetString("audio_text")));
        }
        return scenes;
    }
}
