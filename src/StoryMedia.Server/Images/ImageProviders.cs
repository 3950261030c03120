namespace StoryMedia.Images;

/// <summary>Chooses the image provider named by <c>Images:Provider</c>.</summary>
public static class ImageProviders
{
    public static IServiceCollection AddImageProviders(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["Images:Provider"] ?? "builtin";
        switch (provider.ToLowerInvariant())
        {
            case "builtin":
                services.AddOptions<BuiltinRendererOptions>().Bind(configuration.GetSection("Images:Builtin"));
                services.AddSingleton<IImageProvider, BuiltinRenderer>();
                break;
            default:
                throw new InvalidOperationException($"Images:Provider must be builtin, not '{provider}'.");
        }
        return services;
    }
}
