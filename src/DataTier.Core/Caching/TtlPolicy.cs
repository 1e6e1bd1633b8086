using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>
/// TTL grows with a statement's complexity and its measured execution time, between configured bounds:
/// <c>ttl = clamp(base × complexity × (1 + log2(1 + executionMs)), min, max)</c>. A per-table rule overrides the
/// formula; when a statement reads several tables with rules, the shortest rule wins (0 = never cache).
/// </summary>
public sealed class TtlPolicy
{
    private readonly CacheOptions _options;

    /// <summary>Creates the policy.</summary>
    public TtlPolicy(IOptions<CacheOptions> options) => _options = options.Value;

    /// <summary>The TTL for a result of a statement with this profile that took <paramref name="executionMs"/>.</summary>
    public TimeSpan For(StatementProfile profile, double executionMs)
    {
        double? rule = null;
        foreach (var table in profile.Tables)
        {
            if (_options.TableTtlSeconds.TryGetValue(table, out double seconds))
            {
                rule = rule is null ? seconds : Math.Min(rule.Value, seconds);
            }
        }

        if (rule is not null)
        {
            return TimeSpan.FromSeconds(Math.Max(0, rule.Value));
        }

        return TimeSpan.FromSeconds(Formula(profile.Complexity, executionMs));
    }

    /// <summary>The formula alone, in seconds.</summary>
    public double Formula(int complexity, double executionMs)
    {
        double ttl = _options.BaseTtlSeconds * Math.Max(1, complexity) * (1 + Math.Log2(1 + Math.Max(0, executionMs)));
        return Math.Clamp(ttl, _options.MinTtlSeconds, _options.MaxTtlSeconds);
    }
}
