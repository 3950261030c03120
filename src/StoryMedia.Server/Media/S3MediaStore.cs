using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace StoryMedia.Media;

/// <summary>
/// Media as objects in an S3-compatible bucket, so that every instance, on any machine, reads what any other wrote.
/// A PUT (or a completed multipart upload) makes an object appear whole, so the store's promise holds unchanged.
/// Requests that fail for a reason that may pass are retried with exponential backoff and jitter (Polly, as for
/// the image providers' HTTP calls); the SDK's own retries are off so that there is one policy, logged here.
/// </summary>
public sealed class S3MediaStore : MediaStore, IDisposable
{
    private readonly AmazonS3Client client;
    private readonly S3MediaOptions settings;
    private readonly string prefix;
    private readonly ResiliencePipeline retry;

    public S3MediaStore(IOptions<MediaOptions> options, ILogger<S3MediaStore> logger, MediaTypes types)
        : base(types)
    {
        settings = options.Value.S3;
        prefix = settings.KeyPrefix;
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,
            AuthenticationRegion = settings.Region,
            MaxErrorRetry = 0,
            Timeout = settings.RequestTimeout,
        };
        if (settings.ServiceUrl.Length > 0)
        {
            config.ServiceURL = settings.ServiceUrl;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }
        client = settings.AccessKey.Length > 0
            ? new AmazonS3Client(new BasicAWSCredentials(settings.AccessKey, settings.SecretKey), config)
            : new AmazonS3Client(config);
        Location = $"bucket {settings.Bucket} at {(settings.ServiceUrl.Length > 0 ? settings.ServiceUrl : $"AWS {settings.Region}")}";

        var builder = new ResiliencePipelineBuilder();
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && IsTransient(ex)),
                MaxRetryAttempts = settings.MaxRetries,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    logger.LogWarning("The media store ({Location}) did not answer a request ({Reason}); retry {Attempt} of {MaxRetries} in {Delay}",
                        Location, Reason(args.Outcome.Exception!), args.AttemptNumber + 1, settings.MaxRetries, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }
        retry = builder.Build();
    }

    public override string Location { get; }

    protected override Task WriteAsync(string key, ReadOnlyMemory<byte> content, string contentType, CancellationToken cancellationToken) =>
        CallAsync("refused the write", ct => client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = settings.Bucket,
            Key = prefix + key,
            InputStream = new MemoryStream(content.ToArray(), writable: false),
            ContentType = contentType,
            // aws-chunked framing is stored as data by some S3-compatible servers; a plain body works everywhere.
            UseChunkEncoding = false,
        }, ct), cancellationToken);

    public override async Task WriteFileAsync(string key, string path, CancellationToken cancellationToken)
    {
        var contentType = TryParseKey(key, out var type) ? type : "application/octet-stream";
        var length = new FileInfo(path).Length;
        if (length <= settings.PartSize)
        {
            await CallAsync("refused the write", ct => client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = settings.Bucket,
                Key = prefix + key,
                FilePath = path,
                ContentType = contentType,
                UseChunkEncoding = false,
            }, ct), cancellationToken);
            return;
        }
        await UploadInPartsAsync(prefix + key, path, length, contentType, cancellationToken);
    }

    public override async Task<MediaFile?> OpenAsync(string key, CancellationToken cancellationToken)
    {
        if (!TryParseKey(key, out var contentType) || await HeadAsync(key, cancellationToken) is not { } head)
        {
            return null;
        }
        var length = head.ContentLength;
        var content = new S3ObjectStream(length, (from, ct) => CallAsync("did not send the file", async token =>
            (Stream)(await client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = settings.Bucket,
                Key = prefix + key,
                ByteRange = new ByteRange(from, length - 1),
            }, token)).ResponseStream, ct));
        return new MediaFile(content, contentType, length, UtcOf(head.LastModified));
    }

    public override async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => await HeadAsync(key, cancellationToken) is not null;

    public override Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken) =>
        CallAsync("did not send the file", async ct =>
        {
            try
            {
                using var response = await client.GetObjectAsync(settings.Bucket, prefix + key, ct);
                await response.WriteResponseStreamToFileAsync(path, append: false, ct);
                if (new FileInfo(path).Length != response.ContentLength)
                {
                    throw new IOException($"the download of {key} ended early");
                }
                return true;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }
        }, cancellationToken);

    public override async IAsyncEnumerable<StoredFile> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = null;
        do
        {
            var page = await CallAsync("could not be listed", ct => client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = settings.Bucket,
                Prefix = prefix,
                ContinuationToken = next,
            }, ct), cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new StoredFile(item.Key[prefix.Length..], item.Size ?? 0, UtcOf(item.LastModified));
            }
            next = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (next is not null);
    }

    public override Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("refused the delete", ct => client.DeleteObjectAsync(settings.Bucket, prefix + name, ct), cancellationToken);

    public override async Task<string> ProbeAsync(CancellationToken cancellationToken)
    {
        // Readiness answers at once: no retries here.
        var probe = $"{prefix}.health-{Guid.NewGuid():N}";
        try
        {
            await client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = settings.Bucket,
                Key = probe,
                ContentBody = "",
                UseChunkEncoding = false,
            }, cancellationToken);
            await client.DeleteObjectAsync(settings.Bucket, probe, cancellationToken);
            return $"The media store ({Location}) is writable.";
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw new MediaStorageException($"The media store ({Location}) is not writable: {Reason(ex)}", ex);
        }
    }

    public void Dispose() => client.Dispose();

    private async Task UploadInPartsAsync(string objectKey, string path, long length, string contentType, CancellationToken cancellationToken)
    {
        var upload = await CallAsync("refused the upload", ct => client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = settings.Bucket,
            Key = objectKey,
            ContentType = contentType,
        }, ct), cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            for (var (number, position) = (1, 0L); position < length; number++, position += settings.PartSize)
            {
                var (partNumber, partPosition) = (number, position);
                var part = await CallAsync("refused a part of the upload", ct => client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = settings.Bucket,
                    Key = objectKey,
                    UploadId = upload.UploadId,
                    PartNumber = partNumber,
                    FilePath = path,
                    FilePosition = partPosition,
                    PartSize = Math.Min(settings.PartSize, length - partPosition),
                    UseChunkEncoding = false,
                }, ct), cancellationToken);
                parts.Add(new PartETag(partNumber, part.ETag));
            }
            await CallAsync("refused to complete the upload", ct => client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = settings.Bucket,
                Key = objectKey,
                UploadId = upload.UploadId,
                PartETags = parts,
            }, ct), cancellationToken);
        }
        catch
        {
            try
            {
                await client.AbortMultipartUploadAsync(settings.Bucket, objectKey, upload.UploadId, CancellationToken.None);
            }
            catch (Exception ex) when (IsStoreFailure(ex, CancellationToken.None))
            {
                // The store is away: its parts stay until a lifecycle rule for incomplete uploads removes them.
            }
            throw;
        }
    }

    private Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken) =>
        CallAsync("did not answer", async ct =>
        {
            try
            {
                return await client.GetObjectMetadataAsync(settings.Bucket, prefix + key, ct);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>Runs one request with retries; a failure that outlasts them becomes a <see cref="MediaStorageException"/> saying where and why.</summary>
    private async Task<T> CallAsync<T>(string failure, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await retry.ExecuteAsync(async ct => await call(ct), cancellationToken);
        }
        catch (Exception ex) when (IsStoreFailure(ex, cancellationToken))
        {
            throw new MediaStorageException($"The media store ({Location}) {failure}: {Reason(ex)}", ex);
        }
    }

    private static bool IsStoreFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is AmazonClientException or HttpRequestException or IOException or SocketException or TimeoutException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>No answer, a timeout, a 5xx or 429: worth another try. A 4xx (denied, no such bucket) is not.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        AmazonServiceException service when service.StatusCode != 0 =>
            (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests,
        AmazonClientException { InnerException: { } inner } => IsTransient(inner),
        AmazonClientException => false,
        _ => true,
    };

    private static string Reason(Exception ex) => ex switch
    {
        AmazonServiceException { StatusCode: not 0 } service => $"{(int)service.StatusCode} {service.ErrorCode}: {service.Message}",
        OperationCanceledException => "the request timed out",
        { InnerException: { } inner } when inner.Message.Length > 0 && !ex.Message.Contains(inner.Message, StringComparison.Ordinal) => $"{ex.Message} ({inner.Message})",
        _ => ex.Message,
    };

    private static DateTimeOffset UtcOf(DateTime? instant) => instant is { } value ? new DateTimeOffset(value.ToUniversalTime()) : DateTimeOffset.MinValue;
}
