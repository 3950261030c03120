using System.Text.RegularExpressions;
using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Docs;

/// <summary>The README's "walk through the API with curl", run with bash against the service its own command starts.</summary>
[Collection(DocsCheckoutCollection.Name)]
public sealed class ReadmeWalkthroughTests(DocsCheckout checkout)
{
    [Fact]
    public async Task The_curl_walkthrough_answers_as_the_readme_says_against_the_service_it_starts()
    {
        var start = DocumentedCommands.Block("README.md", "dotnet run --project src/StoryMedia.Server -- --Images:Builtin:DelayPerImage=00:00:01");
        var walkthrough = DocumentedCommands.Block("README.md", "B=http://localhost:5080");
        await using var server = await checkout.StartServerAsync(start.Text, new Uri(DocsCheckout.DevelopmentAddress, "/health/live"));

        await using var curl = ShellScript.Start(walkthrough.Text, checkout.Root);
        var exitCode = await curl.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var output = curl.Output;
        Assert.True(exitCode == 0, $"The walkthrough ended with exit code {exitCode}:{Environment.NewLine}{output}");
        // Steps 3 and 4: 202 with a Location, then 409 with Retry-After and the running job.
        // A body has no line end of its own, so the next answer's status line follows it on the same line.
        var answers = Regex.Matches(output, @"HTTP/1\.1 (\d{3}) ").Select(m => m.Groups[1].Value).ToList();
        Assert.True(answers.SequenceEqual(["202", "409", "202"]), $"Answers {string.Join(", ", answers)}; the walkthrough's output:{Environment.NewLine}{output}");
        Assert.Matches(@"(?m)^Location: /api/image_jobs/[0-9a-f-]{36}", output);
        Assert.Matches(@"(?m)^Retry-After: \d+", output);
        Assert.Matches(@"""status"":\s*409", output);
        // Step 5: the events end with the job's completion; step 6: an image per scene.
        Assert.Matches(@"(?m)^event: completed", output);
        Assert.Equal(3, Regex.Count(output, @"(?m)^""/media/[^""]+\.png""$"));
        // Step 7: nothing was running any more, which is not an error; the retry starts a job (the last 202 above).
        Assert.Matches(@"""cleared"":\s*false", output);
        Assert.DoesNotContain("curl: (", output, StringComparison.Ordinal);
    }
}
