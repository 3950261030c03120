using System.Text;
using System.Text.RegularExpressions;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>A ```bash block of README.md or docs/*.md, as written; <see cref="Line"/> is the line of its first command.</summary>
public sealed record DocBlock(string File, int Line, string Text)
{
    public string FirstLine => Text.Split('\n')[0];

    /// <summary>
    /// The block with the values of the named <c>export NAME=value</c> lines replaced (single-quoted) and nothing else
    /// changed: what a reader does with a placeholder such as the database's address or the project's secret.
    /// </summary>
    public string WithExportedValues(IReadOnlyDictionary<string, string> values)
    {
        var text = Text;
        foreach (var (name, value) in values)
        {
            Assert.DoesNotContain('\'', value);
            var export = new Regex($@"^(\s*export\s+{Regex.Escape(name)}=)('[^']*'|""[^""]*""|\S*)", RegexOptions.Multiline);
            Assert.True(export.Count(text) == 1, $"{File}:{Line}: the block should export {name} exactly once.");
            text = export.Replace(text, m => $"{m.Groups[1].Value}'{value}'");
        }
        return text;
    }
}

/// <summary>One command of a block: a line, or lines joined by a trailing backslash or an open quote; comments left out.</summary>
public sealed record DocCommand(DocBlock Block, int Line, string Text);

/// <summary>Every command that README.md and docs/*.md give in ```bash blocks.</summary>
public static class DocumentedCommands
{
    private static readonly Regex Fence = new(@"^\s*```(\w*)\s*$");

    public static IReadOnlyList<DocBlock> Blocks { get; } = ReadBlocks();

    public static IReadOnlyList<DocCommand> All { get; } = [.. Blocks.SelectMany(CommandsOf)];

    /// <summary>The one block of <paramref name="file"/> whose first line is <paramref name="firstLine"/>; the test fails when the docs no longer have it.</summary>
    public static DocBlock Block(string file, string firstLine)
    {
        var found = Blocks.Where(b => b.File == file && b.FirstLine == firstLine).ToList();
        Assert.True(found.Count == 1, $"{file} should have exactly one ```bash block starting with `{firstLine}`; it has {found.Count}.");
        return found[0];
    }

    /// <summary>A command the docs give, by its exact text; the test fails when they no longer give it.</summary>
    public static DocCommand Command(string text)
    {
        var found = All.FirstOrDefault(c => c.Text == text);
        Assert.True(found is not null, $"The docs no longer give the command `{text}`.");
        return found;
    }

    /// <summary>
    /// The block's commands. A block that starts with <c>#!</c> is a script, one command as a whole; elsewhere each line is
    /// a command, continued by a trailing backslash (joined with a space) or by an open quote or parenthesis (kept as lines).
    /// </summary>
    public static IEnumerable<DocCommand> CommandsOf(DocBlock block)
    {
        var lines = block.Text.Split('\n');
        if (block.FirstLine.StartsWith("#!", StringComparison.Ordinal))
        {
            yield return new DocCommand(block, block.Line, block.Text);
            yield break;
        }
        var scanner = new ShellScanner();
        var command = new StringBuilder();
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var wasOpen = scanner.IsOpen;
            var code = scanner.Code(lines[i]).TrimEnd();
            if (command.Length == 0)
            {
                if (code.Trim().Length == 0)
                {
                    continue;
                }
                start = block.Line + i;
            }
            var continued = !scanner.IsOpen && code.EndsWith('\\');
            command.Append(wasOpen ? "\n" + code : (command.Length == 0 ? code.Trim() : " " + code.Trim()));
            if (continued)
            {
                command.Length--;
                command.Length = command.ToString().TrimEnd().Length;
                continue;
            }
            if (!scanner.IsOpen)
            {
                yield return new DocCommand(block, start, command.ToString().Trim());
                command.Clear();
            }
        }
        if (command.Length > 0)
        {
            yield return new DocCommand(block, start, command.ToString().Trim());
        }
    }

    private static List<DocBlock> ReadBlocks()
    {
        var files = new[] { Path.Combine(Repository.Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order(StringComparer.Ordinal));
        var blocks = new List<DocBlock>();
        foreach (var path in files)
        {
            var name = Path.GetRelativePath(Repository.Root, path).Replace('\\', '/');
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (Fence.Match(lines[i]) is not { Success: true } open || open.Groups[1].Value is not ("bash" or "sh" or "shell"))
                {
                    continue;
                }
                var end = i + 1;
                while (end < lines.Length && !Fence.IsMatch(lines[end]))
                {
                    end++;
                }
                blocks.Add(new DocBlock(name, i + 2, string.Join('\n', lines[(i + 1)..end])));
                i = end;
            }
        }
        return blocks;
    }

    /// <summary>Just enough of bash's quoting to tell a comment from text and the end of a command from its continuation.</summary>
    private sealed class ShellScanner
    {
        // '"' inside double quotes, '(' inside $( … ) or ( … ); single quotes cannot nest anything.
        private readonly Stack<char> open = new();
        private bool inSingleQuotes;

        public bool IsOpen => inSingleQuotes || open.Count > 0;

        /// <summary>The line without its comment; carries quotes and parentheses left open over to the next line.</summary>
        public string Code(string line)
        {
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (inSingleQuotes)
                {
                    inSingleQuotes = c != '\'';
                    continue;
                }
                var inDoubleQuotes = open.TryPeek(out var top) && top == '"';
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '$' && i + 1 < line.Length && line[i + 1] == '(')
                {
                    open.Push('(');
                    i++;
                }
                else if (inDoubleQuotes)
                {
                    if (c == '"')
                    {
                        open.Pop();
                    }
                }
                else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
                {
                    return line[..i];
                }
                else if (c == '\'')
                {
                    inSingleQuotes = true;
                }
                else if (c is '"' or '(')
                {
                    open.Push(c);
                }
                else if (c == ')' && open.Count > 0)
                {
                    open.Pop();
                }
            }
            return line;
        }
    }
}
