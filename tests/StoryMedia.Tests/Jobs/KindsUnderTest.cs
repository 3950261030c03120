using StoryMedia.Images;
using StoryMedia.Jobs;
using StoryMedia.Narration;
using StoryMedia.Stories;
using StoryMedia.Tests.Infrastructure;
using StoryMedia.Tests.Jobs.NoteKind;
using StoryMedia.Videos;

namespace StoryMedia.Tests.Jobs;

/// <summary>
/// What the shared guard suite needs to know of a kind besides its name: a story its job can start on, the worker's fenced
/// output write, and what the story shows. Every registered kind, the tests' third one included, has an entry.
/// </summary>
internal sealed record KindUnderTest(
    string Name,
    Func<Stores, Guid, int, Task<Story>> StoryFor,
    Func<Stores, JobLease, Scene, string, Task<bool>> RecordOutput,
    Func<Stores, Guid, Task<IReadOnlyList<string>>> RecordedOutputs,
    Func<Stores, Story, Task<IReadOnlyList<string?>>> Shown)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static readonly IReadOnlyList<KindUnderTest> All =
    [
        new(ImageJobKind.Kind,
            (stores, user, scenes) => stores.NewStoryAsync(user, scenes),
            (stores, lease, scene, key) => stores.RecordSceneImageAsync(lease, scene.Id, key, Stores.Made, None),
            async (stores, job) => [.. (await stores.Images.SceneImagesAsync(job, None)).Values],
            (_, story) => Task.FromResult<IReadOnlyList<string?>>([.. story.Scenes.Select(s => s.ImageKey)])),
        // A video needs an image in every scene.
        new(VideoJobKind.Kind,
            (stores, user, scenes) => stores.NewIllustratedStoryAsync(user, scenes),
            (stores, lease, _, key) => stores.Videos.RecordVideoAsync(lease, key, None),
            async (stores, job) => await stores.Videos.VideoOfJobAsync(job, None) is { } video ? [video] : [],
            (_, story) => Task.FromResult<IReadOnlyList<string?>>([story.VideoKey])),
        // A narration job speaks every scene unless its start chose some.
        new(NarrationJobKind.Kind,
            (stores, user, scenes) => stores.NewStoryAsync(user, scenes),
            (stores, lease, scene, key) => stores.RecordSceneAudioAsync(lease, scene.Id, key, 1.5, None),
            async (stores, job) => [.. (await stores.Narration.ScenesAsync(job, None)).Where(s => s.AudioKey is not null).Select(s => s.AudioKey!)],
            (_, story) => Task.FromResult<IReadOnlyList<string?>>([.. story.Scenes.Select(s => s.AudioKey)])),
        new(NoteJobKind.Kind,
            (stores, user, scenes) => stores.NewStoryAsync(user, scenes),
            (stores, lease, _, key) => stores.Notes.RecordAsync(lease, key, None),
            async (stores, job) => await stores.Notes.OfJobAsync(job, None) is { } note ? [note] : [],
            async (stores, story) => [await stores.Notes.OfStoryAsync(story.Id, None)]),
    ];

    public static KindUnderTest Of(string name) => All.Single(k => k.Name == name);

    /// <summary>Every media key the story shows, whatever kind made it.</summary>
    public static async Task<IReadOnlyList<string?>> ShownAsync(Stores stores, Story story)
    {
        var shown = new List<string?>();
        foreach (var kind in All)
        {
            shown.AddRange(await kind.Shown(stores, story));
        }
        return shown;
    }
}
