using System.Globalization;
using System.Text.RegularExpressions;

namespace DataTier.Core.Advice;

/// <summary>
/// Puts the values pg_qualstats sampled back into a statement's text before it is planned. pg_stat_statements keeps
/// <c>status = 'open'</c> as <c>status = $1</c>, and a generic plan can use neither a partial index (its predicate is
/// proved only against a constant) nor an index for <c>LIKE $1</c> (the prefix is read from a constant), so without the
/// values hypopg would never show those candidates helping.
/// </summary>
internal static partial class SampledValues
{
    // pg_qualstats truncates a constant's text to 80 bytes: a truncated one is not a value to plan with.
    private const int MaxConstantLength = 79;

    /// <summary>
    /// <paramref name="sql"/> with a parameter replaced by its sampled value where every sample agrees (a literal the
    /// statement always carries) or, for <c>LIKE</c>, where every sampled pattern is a prefix (one of them, as an example);
    /// the other parameters renumbered from <c>$1</c>.
    /// </summary>
    public static string Inline(string sql, PlanFacts facts, IReadOnlyList<QualPredicate> samples)
    {
        var values = new Dictionary<int, string>();
        foreach (var access in facts.Tables)
        {
            foreach (var (column, op, parameter) in access.Parameters)
            {
                var seen = samples.Where(s => s.Table == access.Table && s.Column == column && s.Operator == op && s.ConstValue is { Length: > 0 and <= MaxConstantLength })
                    .Select(s => s.ConstValue!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                bool inline = op == "=" ? seen.Count == 1 : seen.Count > 0 && seen.All(PlanReader.IsPrefixPattern);
                if (inline && seen[0].StartsWith('\''))
                {
                    values.TryAdd(parameter, seen[0]);
                }
            }
        }

        if (values.Count == 0)
        {
            return sql;
        }

        var renumbered = Placeholder().Matches(sql).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Where(n => !values.ContainsKey(n)).Distinct().Order().Select((n, i) => (n, i + 1)).ToDictionary(x => x.n, x => x.Item2);
        return Placeholder().Replace(sql, m =>
        {
            int n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return values.TryGetValue(n, out string? value) ? $"({value})" : "$" + renumbered[n].ToString(CultureInfo.InvariantCulture);
        });
    }

    [GeneratedRegex(@"\$(\d+)(?!\d)")]
    private static partial Regex Placeholder();
}
