using StoryMedia.Data;

namespace StoryMedia.Images;

/// <summary>How one image was made (snake_case on the wire): enough to reproduce it, or to tell why two differ.</summary>
/// <param name="Model">The model the provider named, or null when it does not say.</param>
/// <param name="Seed">The seed drawn with, or null for a provider that takes none.</param>
/// <param name="Prompt">The exact prompt sent.</param>
/// <param name="RequestId">The provider's own id of the request, where it returns one.</param>
/// <param name="DurationMs">From asking the provider to having the image, retries included.</param>
/// <param name="Attempts">The provider's HTTP attempts, retries included (1 for the built-in renderer).</param>
/// <param name="BillingNote">Set when an earlier attempt of the job asked a paid provider for this scene and stopped before
/// recording the answer: that call may have been billed as well as this one's.</param>
public sealed record ImageProvenance(
    string Provider, string? Model, string Size, long? Seed, string Prompt, string? RequestId, int DurationMs, int Attempts, DateTimeOffset MadeAt,
    Guid? JobId = null, string? BillingNote = null);

/// <summary>Reads the provenance of a story's current images.</summary>
public sealed class ImageProvenanceReader(Database database)
{
    /// <summary>Each scene's current image's provenance, by scene id; scenes without an image, or made before provenance was kept, are absent.</summary>
    public async Task<IReadOnlyDictionary<Guid, ImageProvenance>> OfStoryAsync(Guid storyId, Guid userId, CancellationToken cancellationToken)
    {
        await using var scope = await database.BeginReadAsUserAsync(userId, cancellationToken);
        await using var command = database.Command(scope, ImageJobSql.ProvenanceOfStory, ("story_id", storyId), ("user_id", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var made = new Dictionary<Guid, ImageProvenance>();
        while (await reader.ReadAsync(cancellationToken))
        {
            made[reader.GetGuid(reader.GetOrdinal("scene_id"))] = new ImageProvenance(
                reader.GetString(reader.GetOrdinal("provider")),
                NullableString(reader, "model"),
                reader.GetString(reader.GetOrdinal("size")),
                reader.IsDBNull(reader.GetOrdinal("seed")) ? null : reader.GetInt64(reader.GetOrdinal("seed")),
                reader.GetString(reader.GetOrdinal("prompt")),
                NullableString(reader, "request_id"),
                reader.GetInt32(reader.GetOrdinal("duration_ms")),
                reader.GetInt32(reader.GetOrdinal("provider_attempts")),
                reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("made_at")),
                reader.GetGuid(reader.GetOrdinal("job_id")),
                NullableString(reader, "billing_note"));
        }
        return made;
    }

    private static string? NullableString(System.Data.Common.DbDataReader reader, string column) =>
        reader.IsDBNull(reader.GetOrdinal(column)) ? null : reader.GetString(reader.GetOrdinal(column));
}
