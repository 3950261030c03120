using System.Net.Sockets;
using Amazon.Runtime;
using StoryMedia.Jobs;

namespace StoryMedia.Media;

/// <summary>
/// A media storage failure in words a writer may read in a job's error: its kind, never an exception's message,
/// which names the server's paths or the store's endpoint (the log has the whole exception).
/// </summary>
public static class StorageFailures
{
    public static bool Is(Exception ex) => ex is IOException or UnauthorizedAccessException;

    /// <summary>
    /// A job's write to the media store; a refusal fails the job saying what could not be stored (<paramref name="what"/>:
    /// "the image of scene 3") and that the story keeps its current <paramref name="kept"/>.
    /// </summary>
    public static async Task<string> SaveForJobAsync(Func<Task<string>> save, string what, string kept)
    {
        try
        {
            return await save();
        }
        catch (Exception ex) when (Is(ex))
        {
            throw new JobFailedException(
                $"Could not store {what}: the media storage refused the write ({Describe(ex)}). " +
                $"The story keeps its current {kept}; try again once the storage is writable and has space.", ex);
        }
    }

    public static string Describe(Exception ex) => (ex is MediaStorageException { InnerException: { } inner } ? inner : ex) switch
    {
        AmazonServiceException { StatusCode: not 0 } refused => $"the bucket answered {(int)refused.StatusCode} {refused.ErrorCode}",
        OperationCanceledException or TimeoutException => "the bucket did not answer in time",
        AmazonClientException or HttpRequestException or SocketException => "the bucket could not be reached",
        UnauthorizedAccessException => "permission denied",
        // ENOSPC on Linux (the errno is the HResult there); ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
        IOException { HResult: 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027) } => "no space left on the device",
        DirectoryNotFoundException => "its directory is missing",
        FileNotFoundException => "the file is missing",
        _ => "an input/output error",
    };
}
