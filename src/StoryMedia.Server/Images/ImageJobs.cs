using StoryMedia.Jobs;

namespace StoryMedia.Images;

public static class ImageJobs
{
    /// <summary>Image jobs, made by the provider the <c>Images</c> section names.</summary>
    public static IServiceCollection AddImageJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddImageProviders(configuration);
        services.AddSingleton<ImageJobOutputs>();
        services.AddSingleton<ImageProvenanceReader>();
        return services.AddJobKind<ImageJobExecutor>(new ImageJobKind());
    }
}
