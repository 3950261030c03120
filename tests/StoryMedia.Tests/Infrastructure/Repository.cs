namespace StoryMedia.Tests.Infrastructure;

/// <summary>The repository these tests were built from.</summary>
public static class Repository
{
    /// <summary>The directory that holds StoryMedia.slnx, found above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StoryMedia.slnx")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("StoryMedia.slnx not found above the test binaries.");
    }
}
