using System.Buffers.Binary;
using System.Buffers.Text;

namespace StoryMedia.Stories;

/// <summary>
/// Where a page of the story list ended: the last story's (created_at, id). Clients get it as an opaque token in
/// the next page's link and hand it back as it is; it only narrows the caller's own stories, so a forged one
/// reveals nothing.
/// </summary>
public readonly record struct StoryCursor(DateTimeOffset CreatedAt, Guid Id)
{
    private const int Length = 24;

    public static StoryCursor After(StorySummary last) => new(last.CreatedAt, last.Id);

    /// <summary>Eight bytes of UTC ticks and the id's sixteen, base64url: short, URL-safe, exact to the tick.</summary>
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[8..], bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? text, out StoryCursor cursor)
    {
        cursor = default;
        Span<byte> bytes = stackalloc byte[Length + 3];
        if (string.IsNullOrEmpty(text) || text.Length > 32 || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != Length)
        {
            return false;
        }
        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }
        cursor = new StoryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes[8..Length], bigEndian: true));
        return true;
    }
}
