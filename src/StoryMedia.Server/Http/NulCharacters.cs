using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace StoryMedia.Http;

/// <summary>
/// Refuses a NUL character (U+0000) anywhere in the text a client sends: a 400 naming the field, before the handler
/// runs. PostgreSQL cannot store NUL in text (it would answer the insert with an error, a 500), and SQLite would store
/// what PostgreSQL refuses, so both databases get the same answer from one place, for every route and field.
/// </summary>
public static class NulCharacters
{
    public const string Message = "must not contain the NUL character (U+0000).";

    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, string? Name)[]> PropertiesByType = new();

    /// <summary>Checks the route's string parameters (query, route) and its JSON body, walked field by field.</summary>
    public static TBuilder RefuseNulCharacters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var services = factory.ApplicationServices.GetService<IServiceProviderIsService>();
            var checkedParameters = factory.MethodInfo.GetParameters()
                .Select((parameter, index) => (Parameter: parameter, Index: index))
                .Where(p => p.Parameter.ParameterType == typeof(string) || IsRequestBody(p.Parameter.ParameterType, services))
                .ToArray();
            if (checkedParameters.Length == 0)
            {
                return next;
            }
            var naming = factory.ApplicationServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions.PropertyNamingPolicy;
            return invocation =>
            {
                foreach (var (parameter, index) in checkedParameters)
                {
                    var top = parameter.ParameterType == typeof(string) ? parameter.Name ?? "" : "";
                    if (FieldWithNul(invocation.Arguments[index], top, naming) is { } field)
                    {
                        return ValueTask.FromResult<object?>(Problems.Invalid(field, Message));
                    }
                }
                return next(invocation);
            };
        });

    // A body is one of this service's own request types; its services come from the container instead.
    private static bool IsRequestBody(Type type, IServiceProviderIsService? services) =>
        type.Assembly == typeof(NulCharacters).Assembly && type.IsClass && services?.IsService(type) != true;

    /// <summary>The first field, named as the client wrote it (<c>scenes[1].text</c>), whose text holds a NUL.</summary>
    private static string? FieldWithNul(object? value, string field, JsonNamingPolicy? naming)
    {
        switch (value)
        {
            case null:
                return null;
            case string text:
                return text.Contains('\0', StringComparison.Ordinal) ? field : null;
            case IEnumerable items:
                var index = 0;
                foreach (var item in items)
                {
                    if (FieldWithNul(item, $"{field}[{index++}]", naming) is { } found)
                    {
                        return found;
                    }
                }
                return null;
            default:
                if (value.GetType().Assembly != typeof(NulCharacters).Assembly)
                {
                    return null;
                }
                foreach (var (property, name) in PropertiesByType.GetOrAdd(value.GetType(), PropertiesOf))
                {
                    var path = name ?? naming?.ConvertName(property.Name) ?? property.Name;
                    if (FieldWithNul(property.GetValue(value), field.Length == 0 ? path : $"{field}.{path}", naming) is { } found)
                    {
                        return found;
                    }
                }
                return null;
        }
    }

    private static (PropertyInfo, string?)[] PropertiesOf(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => (p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))];
}
