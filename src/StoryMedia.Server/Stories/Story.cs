namespace StoryMedia.Stories;

/// <summary>A story, its scenes and the media key of its current video, if it has one.</summary>
public sealed record Story(Guid Id, Guid UserId, string Title, string Style, DateTimeOffset CreatedAt, IReadOnlyList<Scene> Scenes, string? VideoKey = null);

/// <summary>A scene and the media key of its current image, if it has one.</summary>
public sealed record Scene(Guid Id, int Position, string Text, string? ImageKey);

public sealed record NewStory(string Title, string Style, IReadOnlyList<string> Scenes);
