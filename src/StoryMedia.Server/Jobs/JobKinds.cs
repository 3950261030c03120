using System.Collections.Frozen;

namespace StoryMedia.Jobs;

/// <summary>
/// The registered kinds of job, in the order they were registered, and the rules between them. Checked when it is built:
/// names unique, every rule naming registered kinds and declared by one of its two sides, every blocked kind locking
/// its story exclusively.
/// </summary>
public sealed class JobKinds
{
    private readonly FrozenDictionary<string, IJobKind> byName;
    private readonly FrozenDictionary<string, JobBlock[]> blockersOf;

    public JobKinds(IEnumerable<IJobKind> kinds)
    {
        All = [.. kinds];
        if (All.Count == 0)
        {
            throw new InvalidOperationException("No kind of job is registered.");
        }
        if (All.GroupBy(k => k.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Two kinds of job are named '{twice.Key}'.");
        }
        byName = All.ToFrozenDictionary(k => k.Name, StringComparer.Ordinal);
        var rules = All.SelectMany(k => k.Blocks.Select(rule => (Declarer: k.Name, Rule: rule))).ToList();
        foreach (var (declarer, rule) in rules)
        {
            if (!byName.ContainsKey(rule.Blocker) || !byName.TryGetValue(rule.Blocked, out var blocked))
            {
                throw new InvalidOperationException($"Kind '{declarer}' declares a rule between '{rule.Blocker}' and '{rule.Blocked}', which are not both registered.");
            }
            if (declarer != rule.Blocker && declarer != rule.Blocked)
            {
                throw new InvalidOperationException($"Kind '{declarer}' declares a rule between two other kinds ('{rule.Blocker}', '{rule.Blocked}').");
            }
            if (blocked.StartLock != StoryLock.Exclusive)
            {
                throw new InvalidOperationException(
                    $"Kind '{rule.Blocked}' is blocked by '{rule.Blocker}', so its start must lock the story exclusively to read that kind's jobs race-free.");
            }
        }
        blockersOf = All.ToFrozenDictionary(
            k => k.Name,
            k => rules.Select(r => r.Rule).Where(r => r.Blocked == k.Name).DistinctBy(r => r.Blocker).ToArray(),
            StringComparer.Ordinal);
    }

    public IReadOnlyList<IJobKind> All { get; }

    public IJobKind this[string name] =>
        byName.TryGetValue(name, out var kind) ? kind : throw new ArgumentOutOfRangeException(nameof(name), name, "No kind of job has this name.");

    public bool TryGet(string name, out IJobKind kind) => byName.TryGetValue(name, out kind!);

    /// <summary>The rules whose processing jobs refuse a start of <paramref name="name"/>.</summary>
    public IReadOnlyList<JobBlock> BlockersOf(string name) => blockersOf[name];

    public string Names => string.Join(", ", All.Select(k => k.Name));

    /// <summary>"image" → "Image": a kind's name in route names (operation ids) and span names.</summary>
    public static string Pascal(string name) => $"{char.ToUpperInvariant(name[0])}{name[1..]}";
}

public static class JobKindRegistration
{
    /// <summary>
    /// Registers a kind and its executor, the work unit the worker looks up by the job's kind (keyed by its name). Kinds
    /// are plain descriptions, made before the container, so that the name is known here.
    /// </summary>
    public static IServiceCollection AddJobKind<TExecutor>(this IServiceCollection services, IJobKind kind)
        where TExecutor : class, IJobExecutor
    {
        services.AddSingleton(kind);
        services.AddKeyedSingleton<IJobExecutor, TExecutor>(kind.Name);
        return services;
    }
}
