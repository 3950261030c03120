using StoryMedia.Jobs;
using StoryMedia.Operations;

namespace StoryMedia.Videos;

public static class VideoJobs
{
    /// <summary>Video jobs, rendered with ffmpeg as configured by the <c>Video</c> section.</summary>
    public static IServiceCollection AddVideoJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddExplainedOptions<VideoOptions>(configuration.GetSection("Video"));
        services.AddSingleton<FfmpegProcess>();
        services.AddSingleton<VideoJobOutputs>();
        return services.AddJobKind<VideoJobExecutor>(new VideoJobKind(configuration.GetValue<bool>("Video:RequireNarration")));
    }
}
