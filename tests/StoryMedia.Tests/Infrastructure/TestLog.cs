using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StoryMedia.Tests.Infrastructure;

/// <summary>Keeps warnings and errors of every instance, so a failing test can show what the service said.</summary>
public sealed class TestLog : ILoggerProvider, ILogger
{
    public static readonly TestLog Provider = new();

    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyCollection<string> Lines => lines;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception?.GetType().Name}");
        }
    }

    public void Dispose()
    {
    }
}
