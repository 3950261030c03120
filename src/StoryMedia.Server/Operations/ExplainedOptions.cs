using Microsoft.Extensions.Options;

namespace StoryMedia.Operations;

/// <summary>Options that can say what is wrong with them, naming the setting: the one way every section is validated.</summary>
public interface IExplainedOptions
{
    bool IsValid(out string problem);
}

public static class ExplainedOptions
{
    /// <summary>Binds a section and checks it at start-up by its own <c>IsValid</c>, so a failure names the setting and what is wrong.</summary>
    public static OptionsBuilder<T> AddExplainedOptions<T>(this IServiceCollection services, IConfiguration section)
        where T : class, IExplainedOptions
    {
        services.AddSingleton<IValidateOptions<T>, ExplainedValidation<T>>();
        return services.AddOptions<T>().Bind(section).ValidateOnStart();
    }

    private sealed class ExplainedValidation<T> : IValidateOptions<T>
        where T : class, IExplainedOptions
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            options.IsValid(out var problem) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
