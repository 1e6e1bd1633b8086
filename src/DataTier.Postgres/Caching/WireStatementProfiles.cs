using System.Collections.Concurrent;
using DataTier.Core.Caching;

namespace DataTier.Postgres.Caching;

/// <summary>
/// What the planner says about a statement sent on the wire (the tables it reads, its cost and complexity: what a
/// cache entry's key and TTL are made of), asked once per statement text and parameter types with an EXPLAIN on the
/// backend that runs the statement's first miss. A statement the node cannot plan is remembered as not cacheable.
/// Bounded like Core's <see cref="StatementProfiler"/>: when full it is cleared and refills.
/// </summary>
internal sealed class WireStatementProfiles
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, Known> _profiles = new(StringComparer.Ordinal);

    /// <summary>A statement's profile, or null: planned and found not cacheable.</summary>
    internal sealed record Known(StatementProfile? Profile);

    public bool TryGet(string key, out Known known) => _profiles.TryGetValue(key, out known!);

    public Known Remember(string key, string? explainJson)
    {
        StatementProfile? profile = null;
        if (explainJson is not null)
        {
            try
            {
                profile = PlanAnalyzer.Analyze(explainJson);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                profile = null;
            }
        }

        if (_profiles.Count >= Capacity)
        {
            _profiles.Clear();
        }

        var known = new Known(profile is { Tables.IsEmpty: false } ? profile : null);
        _profiles[key] = known;
        return known;
    }
}
