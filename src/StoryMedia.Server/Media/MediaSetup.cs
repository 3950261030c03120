using Microsoft.Extensions.Options;

namespace StoryMedia.Media;

public static class MediaSetup
{
    /// <summary>The store <c>Media:Store</c> names, checked at start, and the sweep over it.</summary>
    public static IServiceCollection AddMediaStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MediaOptions>().Bind(configuration.GetSection("Media")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidation>();
        services.AddSingleton<MediaTypes>();
        services.AddSingleton<FileMediaStore>();
        services.AddSingleton<S3MediaStore>();
        services.AddSingleton<MediaStore>(provider => provider.GetRequiredService<IOptions<MediaOptions>>().Value.IsS3
            ? provider.GetRequiredService<S3MediaStore>()
            : provider.GetRequiredService<FileMediaStore>());
        services.AddSingleton<MediaSweeper>();
        services.AddSingleton<MediaCopier>();
        services.AddHostedService<MediaSweepService>();
        return services;
    }
}
