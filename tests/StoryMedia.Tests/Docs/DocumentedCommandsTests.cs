using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace StoryMedia.Tests.Docs;

/// <summary>Every command the docs give is run by a test exactly as written: <see cref="DocumentedCommandTable"/> says which.</summary>
public sealed class DocumentedCommandsTests
{
    [Fact]
    public void Every_command_in_the_readme_and_the_docs_is_run_by_a_test_or_exempt_with_a_reason()
    {
        var run = DocumentedCommandTable.Blocks
            .SelectMany(b => DocumentedCommands.CommandsOf(DocumentedCommands.Block(b.File, b.FirstLine)))
            .Select(c => c.Text)
            .Concat(DocumentedCommandTable.Commands.Select(c => c.Command))
            .Concat(DocumentedCommandTable.Exemptions.Select(e => e.Command))
            .ToHashSet(StringComparer.Ordinal);

        var unmapped = DocumentedCommands.All.Where(c => !run.Contains(c.Text)).ToList();

        Assert.True(unmapped.Count == 0, string.Join(Environment.NewLine, unmapped.Select(c =>
            $"{c.Block.File}:{c.Line}: no test runs the command {Literal(c.Text)}. In DocumentedCommandTable (tests/StoryMedia.Tests/Docs), " +
            $"name the test that runs it exactly as written: new RunsCommand({Literal(c.Text)}, Test<…>(…)), or for its whole block " +
            $"new RunsBlock(\"{c.Block.File}\", {Literal(c.Block.FirstLine)}, Test<…>(…)); only if no test can, add it to Exemptions with the reason.")));
        Assert.NotEmpty(DocumentedCommands.All);
    }

    private static string Literal(string text) => JsonSerializer.Serialize(text, Escaped);

    private static readonly JsonSerializerOptions Escaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void Every_entry_of_the_table_names_a_command_the_docs_still_give_and_a_test_that_exists()
    {
        var given = DocumentedCommands.All.Select(c => c.Text).ToHashSet(StringComparer.Ordinal);
        var stale = DocumentedCommandTable.Commands.Select(c => c.Command)
            .Concat(DocumentedCommandTable.Exemptions.Select(e => e.Command))
            .Where(c => !given.Contains(c))
            .Concat(DocumentedCommandTable.Blocks
                .Where(b => !DocumentedCommands.Blocks.Any(d => d.File == b.File && d.FirstLine == b.FirstLine))
                .Select(b => $"{b.File}: the block starting `{b.FirstLine}`"))
            .ToList();
        var tests = DocumentedCommandTable.Blocks.Select(b => b.Test).Concat(DocumentedCommandTable.Commands.Select(c => c.Test));
        var missing = tests.Where(t => t.Class.GetMethod(t.Method)?.GetCustomAttribute<FactAttribute>() is null).ToList();

        Assert.True(stale.Count == 0, "DocumentedCommandTable lists what the docs no longer give: " + string.Join("; ", stale));
        Assert.True(missing.Count == 0, "DocumentedCommandTable names tests that do not exist: " + string.Join(", ", missing));
    }
}
