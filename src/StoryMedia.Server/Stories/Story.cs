namespace StoryMedia.Stories;

public sealed record Story(Guid Id, Guid UserId, string Title, string Style, DateTimeOffset CreatedAt, IReadOnlyList<Scene> Scenes);

/// <summary>A scene and the media key of its current image, if it has one.</summary>
public sealed record Scene(Guid Id, int Position, string Text, string? ImageKey);

public sealed record NewStory(string Title, string Style, IReadOnlyList<string> Scenes);
