namespace StoryMedia.Media;

/// <summary>
/// An object in a bucket as a read-only, seekable stream of known length, so ASP.NET Core's own range processing
/// (206, Content-Range, 416, If-Range) serves it. A read after a seek opens a ranged GET from that position on.
/// </summary>
internal sealed class S3ObjectStream(long length, Func<long, CancellationToken, Task<Stream>> openAt) : Stream
{
    private long position;
    private Stream? body;
    private long bodyPosition;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            _ => length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        position = target;
        return position;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (position >= length || buffer.Length == 0)
        {
            return 0;
        }
        if (body is null || bodyPosition != position)
        {
            await DisposeBodyAsync();
            body = await openAt(position, cancellationToken);
            bodyPosition = position;
        }
        var read = await body.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            throw new IOException($"The object ended at byte {position} of {length}.");
        }
        position += read;
        bodyPosition += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read it asynchronously.");

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await DisposeBodyAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body?.Dispose();
            body = null;
        }
        base.Dispose(disposing);
    }

    private async ValueTask DisposeBodyAsync()
    {
        if (body is not null)
        {
            await body.DisposeAsync();
            body = null;
        }
    }
}
