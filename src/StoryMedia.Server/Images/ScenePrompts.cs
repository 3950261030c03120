namespace StoryMedia.Images;

/// <summary>The one place prompts are composed, so every provider draws the same scene from the same words.</summary>
public static class ScenePrompts
{
    public static string Compose(string style, string? instructions, string sceneText)
    {
        var parts = new List<string>(3);
        if (!string.IsNullOrWhiteSpace(style))
        {
            parts.Add($"Style: {style.Trim()}.");
        }
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            parts.Add(instructions.Trim());
        }
        parts.Add($"Scene: {sceneText.Trim()}");
        return string.Join(' ', parts);
    }
}
