using StoryMedia.Tests.Bench;

namespace StoryMedia.Tests.Docs;

/// <summary>A test method, named so that a rename breaks the build rather than the table.</summary>
public sealed record TestName(Type Class, string Method)
{
    public override string ToString() => $"{Class.Name}.{Method}";
}

/// <summary>The test runs the command with exactly this text (comments left out, backslash-continued lines joined).</summary>
public sealed record RunsCommand(string Command, TestName Test);

/// <summary>
/// The test runs the whole block of <paramref name="File"/> that starts with <paramref name="FirstLine"/>, each command as
/// written, in order; this covers the same commands wherever else the docs give them.
/// </summary>
public sealed record RunsBlock(string File, string FirstLine, TestName Test);

/// <summary>A command no test runs, and why.</summary>
public sealed record Exempt(string Command, string Reason);

/// <summary>
/// Which test runs each command of README.md and docs/*.md exactly as written. The only change a test may make is the
/// value of an <c>export NAME=value</c> line, to a test resource in place of a placeholder (a throwaway database, a
/// fake provider's address, a secret), and the test says which. New commands in the docs: add a line here.
/// </summary>
public static class DocumentedCommandTable
{
    public static readonly IReadOnlyList<RunsBlock> Blocks =
    [
        new("README.md", "dotnet run --project src/StoryMedia.Server -- --Images:Builtin:DelayPerImage=00:00:01",
            Test<ReadmeWalkthroughTests>(nameof(ReadmeWalkthroughTests.The_curl_walkthrough_answers_as_the_readme_says_against_the_service_it_starts))),
        new("README.md", "B=http://localhost:5080",
            Test<ReadmeWalkthroughTests>(nameof(ReadmeWalkthroughTests.The_curl_walkthrough_answers_as_the_readme_says_against_the_service_it_starts))),
        new("README.md", "export Database__Provider=postgres",
            Test<DocsProductionStartTests>(nameof(DocsProductionStartTests.The_readme_production_commands_run_Production_where_no_token_can_be_minted))),
        new("README.md", "export Media__Store=s3",
            Test<ScaleOutDocsTests>(nameof(ScaleOutDocsTests.The_readme_scale_out_commands_start_an_instance_that_keeps_its_images_in_the_bucket))),
        new("docs/providers.md", "export Images__Provider=openai",
            Test<ProviderDocsTests>(nameof(ProviderDocsTests.The_OpenAI_commands_start_a_service_that_draws_through_the_configured_API))),
        new("docs/providers.md", "export Images__Provider=automatic1111",
            Test<ProviderDocsTests>(nameof(ProviderDocsTests.The_Automatic1111_commands_start_a_service_that_draws_through_the_configured_WebUI))),
        new("docs/video.md", "#!/usr/bin/env bash",
            Test<VideoMeasurementScriptTests>(nameof(VideoMeasurementScriptTests.The_video_measurement_script_renders_a_story_and_reports_what_it_measured))),
    ];

    public static readonly IReadOnlyList<RunsCommand> Commands =
    [
        new("./bench.sh --smoke",
            Test<BenchSmokeTests>(nameof(BenchSmokeTests.The_benchmark_runs_every_scenario_to_the_end_and_the_guard_lets_exactly_one_start_win))),
    ];

    // Keep this list tiny: a command here is one the docs promise but no test proves.
    public static readonly IReadOnlyList<Exempt> Exemptions =
    [
        // These run the test suite, or part of it: a test running them would run itself. The suite runs every test they name.
        new("./test.sh", "runs this whole suite"),
        new("dotnet test tests/StoryMedia.Tests --filter \"FullyQualifiedName~Browser\"", "runs the browser tests of this suite"),
        new("STORYMEDIA_SOAK_STORIES=300 STORYMEDIA_SOAK_SECONDS=90 STORYMEDIA_SOAK_CLIENTS=12 STORYMEDIA_SOAK_DRAIN_SECONDS=180 dotnet test tests/StoryMedia.Tests --filter \"FullyQualifiedName~SoakTests\" --logger \"console;verbosity=detailed\"",
            "the soak at full size (about 3 minutes); the suite runs SoakTests at its small default size"),
        // The full benchmark takes 8-10 minutes and rewrites docs/benchmarks.md; the suite runs `./bench.sh --smoke`, the same scenarios with tiny sizes.
        new("./bench.sh", "the full benchmark: 8-10 minutes, and it rewrites docs/benchmarks.md"),
    ];

    private static TestName Test<T>(string method) => new(typeof(T), method);
}
