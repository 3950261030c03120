using StoryMedia.Jobs;

namespace StoryMedia.Tests.Jobs;

/// <summary>The image and narration jobs make each scene while the one before is stored and reported.</summary>
public sealed class ScenePipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_next_scene_is_made_while_the_one_before_is_recorded_and_records_keep_their_order()
    {
        var secondMade = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorded = new List<int>();

        await ScenePipeline.RunAsync(Enumerable.Range(1, 4), atOnce: 1,
            (scene, _) =>
            {
                if (scene == 2)
                {
                    secondMade.SetResult();
                }
                return Task.FromResult(scene);
            },
            async (scene, token) =>
            {
                // Scene 1's record waits until scene 2 has been made: without the overlap this would never end.
                if (scene == 1)
                {
                    await secondMade.Task.WaitAsync(Patience, token);
                }
                recorded.Add(scene);
            },
            CancellationToken.None).WaitAsync(Patience);

        Assert.Equal([1, 2, 3, 4], recorded);
    }

    [Fact]
    public async Task A_failed_record_stops_the_making_and_is_what_the_job_sees()
    {
        var made = new List<int>();

        var thrown = await Assert.ThrowsAsync<JobLostException>(() => ScenePipeline.RunAsync(Enumerable.Range(1, 100), atOnce: 1,
            async (scene, token) =>
            {
                await Task.Delay(5, token);
                lock (made)
                {
                    made.Add(scene);
                }
                return scene;
            },
            (scene, _) => scene == 2 ? throw new JobLostException(Guid.Empty) : Task.CompletedTask,
            CancellationToken.None).WaitAsync(Patience));

        Assert.NotNull(thrown);
        // Scene 2's record failed: at most the scenes then being made, and those waiting for a record, follow it.
        Assert.True(made.Count <= 5, $"{made.Count} scenes were made after the record failed");
    }

    [Fact]
    public async Task A_failed_make_still_records_every_scene_made_before_it_then_fails()
    {
        var recorded = new List<int>();

        var thrown = await Assert.ThrowsAsync<JobFailedException>(() => ScenePipeline.RunAsync(Enumerable.Range(1, 10), atOnce: 1,
            (scene, _) => scene == 4 ? throw new JobFailedException("Scene 4: the provider refused it.") : Task.FromResult(scene),
            async (scene, token) =>
            {
                await Task.Delay(20, token);
                recorded.Add(scene);
            },
            CancellationToken.None).WaitAsync(Patience));

        Assert.Equal("Scene 4: the provider refused it.", thrown.Message);
        Assert.Equal([1, 2, 3], recorded);
    }

    [Fact]
    public async Task With_several_scenes_made_at_once_a_failed_make_still_records_a_scene_that_was_waiting_for_room()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recorded = new List<int>();

        var thrown = await Assert.ThrowsAsync<JobFailedException>(() => ScenePipeline.RunAsync(Enumerable.Range(1, 5), atOnce: 2,
            (scene, making) =>
            {
                if (scene == 5)
                {
                    // The recorder is still busy with scene 1 when this fails: scene 4 waits for room.
                    _ = ReleaseSoonAsync(release);
                    throw new JobFailedException("Scene 5: the provider refused it.");
                }
                return Task.FromResult(scene);
            },
            async (scene, token) =>
            {
                await release.Task.WaitAsync(Patience, token);
                recorded.Add(scene);
            },
            CancellationToken.None).WaitAsync(Patience));

        Assert.Equal("Scene 5: the provider refused it.", thrown.Message);
        // Two at once finish in either order; each is recorded once.
        Assert.Equal([1, 2, 3, 4], recorded.Order());
    }

    private static async Task ReleaseSoonAsync(TaskCompletionSource release)
    {
        await Task.Delay(200, CancellationToken.None);
        release.SetResult();
    }
}
