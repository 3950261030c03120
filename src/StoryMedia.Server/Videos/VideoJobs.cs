using StoryMedia.Jobs;

namespace StoryMedia.Videos;

public static class VideoJobs
{
    /// <summary>Video jobs, rendered with ffmpeg as configured by the <c>Video</c> section.</summary>
    public static IServiceCollection AddVideoJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VideoOptions>().Bind(configuration.GetSection("Video"))
            .Validate(o => o.IsValid(out _), "Video configuration is not valid: check the size, frame rate, durations and preset.")
            .ValidateOnStart();
        services.AddSingleton<FfmpegProcess>();
        services.AddSingleton<IJobExecutor, VideoJobExecutor>();
        return services;
    }
}
