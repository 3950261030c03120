using StoryMedia.Tests.Infrastructure;

namespace StoryMedia.Tests.Operations;

/// <summary>
/// A smoke-sized soak. The full-size run recorded in docs/benchmarks.md is the same test with
/// STORYMEDIA_SOAK_STORIES, STORYMEDIA_SOAK_SECONDS, STORYMEDIA_SOAK_CLIENTS and STORYMEDIA_SOAK_DRAIN_SECONDS set.
/// </summary>
public sealed class SoakTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Under_random_starts_clears_SIGTERMs_and_kill_9s_no_story_ever_has_two_processing_jobs_and_every_job_ends_with_a_reason()
    {
        var defaults = new SoakOptions();
        var options = defaults with
        {
            Stories = Setting("STORYMEDIA_SOAK_STORIES", defaults.Stories),
            Duration = TimeSpan.FromSeconds(Setting("STORYMEDIA_SOAK_SECONDS", (int)defaults.Duration.TotalSeconds)),
            Clients = Setting("STORYMEDIA_SOAK_CLIENTS", defaults.Clients),
            DrainTimeout = TimeSpan.FromSeconds(Setting("STORYMEDIA_SOAK_DRAIN_SECONDS", (int)defaults.DrainTimeout.TotalSeconds)),
        };
        var result = await new SoakDriver(options).RunAsync();
        output.WriteLine(result.ToString());

        Assert.True(result.ProbeChecks > 0, result.ToString());
        Assert.Equal(0, result.ProbeViolations);
        Assert.Equal(0, result.UnexpectedAnswers);
        Assert.Equal(0, result.StillProcessing);
        Assert.Equal(0, result.FailedWithoutReason);
        Assert.Equal(0, result.ScenesShowingUnpublishedImages);
        Assert.Equal(result.Sigterms, result.CleanExits);
        Assert.True(result.Sigterms > 0 && result.Kills > 0, result.ToString());
        Assert.True(result.Completed > 0, result.ToString());
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;
}
