using Microsoft.AspNetCore.Http.HttpResults;
using StoryMedia.Http;
using StoryMedia.Stories;

namespace StoryMedia.Jobs;

/// <summary>A start's <c>scene_ids</c> and <c>same_seed</c>, checked for their shape; whether the scenes are the story's, the kind checks.</summary>
public static class SceneChoice
{
    public static bool TryParse(IJobKind kind, GenerateRequest body, out IReadOnlyList<Guid>? sceneIds, out ValidationProblem? problem)
    {
        sceneIds = null;
        problem = null;
        if (!kind.ChoosesScenes && body.SceneIds is not null)
        {
            problem = Problems.Invalid("scene_ids", $"is not taken by {kind.Activity.ToLowerInvariant()}: its jobs make the whole story.");
            return false;
        }
        if (!kind.TakesSameSeed && body.SameSeed is not null)
        {
            problem = Problems.Invalid("same_seed", $"is not taken by {kind.Activity.ToLowerInvariant()}: its media has no seed.");
            return false;
        }
        if (body.SceneIds is null)
        {
            return true;
        }
        if (body.SceneIds.Count is 0 or > StoryApi.MaxScenes)
        {
            problem = Problems.Invalid("scene_ids", $"must list 1 to {StoryApi.MaxScenes} scenes; leave it out for the whole story.");
            return false;
        }
        var parsed = new List<Guid>(body.SceneIds.Count);
        foreach (var (text, index) in body.SceneIds.Select((text, index) => (text, index)))
        {
            if (!Guid.TryParse(text, out var id))
            {
                problem = Problems.Invalid($"scene_ids[{index}]", "is not a scene id (a UUID).");
                return false;
            }
            if (parsed.Contains(id))
            {
                problem = Problems.Invalid($"scene_ids[{index}]", $"names scene {id} twice; each scene is made at most once.");
                return false;
            }
            parsed.Add(id);
        }
        sceneIds = parsed;
        return true;
    }
}
