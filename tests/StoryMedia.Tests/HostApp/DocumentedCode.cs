using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.HostApp;

/// <summary>The ```ts blocks the docs give the host app, so that a test compiles exactly what a reader copies.</summary>
public static class DocumentedCode
{
    /// <summary>The one ```ts block of <paramref name="file"/> whose first line is <paramref name="firstLine"/>.</summary>
    public static string TypeScript(string file, string firstLine)
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, file));
        var blocks = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```ts")
            {
                continue;
            }
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(end > i, $"{file}:{i + 1}: a ```ts block that never ends.");
            if (end > i + 1 && lines[i + 1] == firstLine)
            {
                blocks.Add(string.Join('\n', lines[(i + 1)..end]));
            }
            i = end;
        }
        Assert.True(blocks.Count == 1, $"{file} should have exactly one ```ts block starting with `{firstLine}`; it has {blocks.Count}.");
        return blocks[0];
    }
}
