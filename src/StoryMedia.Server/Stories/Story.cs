namespace StoryMedia.Stories;

/// <summary>A story, its scenes and the media keys of its current video and the video's subtitles, if it has them.</summary>
public sealed record Story(
    Guid Id, Guid UserId, string Title, string Style, DateTimeOffset CreatedAt, IReadOnlyList<Scene> Scenes, string? VideoKey = null, string? SubtitlesKey = null);

/// <summary>
/// A scene and the media keys of its current image and narration, if it has them; <paramref name="AudioText"/> is the text
/// the narration speaks, which an edit of the scene's text leaves behind.
/// </summary>
public sealed record Scene(Guid Id, int Position, string Text, string? ImageKey, string? AudioKey = null, double? AudioSeconds = null, string? AudioText = null)
{
    /// <summary>Whether the scene has narration of its current text.</summary>
    public bool IsNarrated => AudioKey is not null && AudioText == Text;
}

/// <summary>A story as the list shows it: its scene count and the media key of its first scene's image, if it has one.</summary>
public sealed record StorySummary(Guid Id, string Title, string Style, DateTimeOffset CreatedAt, int SceneCount, string? CoverImageKey);

public sealed record NewStory(string Title, string Style, IReadOnlyList<string> Scenes);

/// <summary>A scene's new text; its place in the list is its new position.</summary>
public sealed record SceneEdit(Guid Id, string Text);

/// <summary>What an edit of a story's scenes did.</summary>
public abstract record SceneEditOutcome
{
    private SceneEditOutcome()
    {
    }

    public sealed record Edited(Story Story) : SceneEditOutcome;

    /// <summary>An image or video job is processing: its images would no longer match the texts. Nothing changed.</summary>
    public sealed record JobRunning(Jobs.Job Job) : SceneEditOutcome;

    /// <summary>The edit does not list exactly the story's scenes, each once. Nothing changed.</summary>
    public sealed record WrongScenes(string Field, string Message) : SceneEditOutcome;

    public sealed record StoryNotFound : SceneEditOutcome;
}
