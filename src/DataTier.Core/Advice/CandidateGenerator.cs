namespace DataTier.Core.Advice;

/// <summary>
/// Turns what a statement's plan does with a table into candidate indexes: each filtered, joined or sorted column
/// alone, and composites with the equality columns first, then one range or sort column (the order in which a b-tree
/// can serve them), capped at <see cref="AdvisorOptions.MaxColumns"/> columns. Beyond plain columns: an index on an
/// expression compared for equality (<c>lower(email)</c>); for a <c>LIKE</c>, the column both plain and with
/// <c>text_pattern_ops</c> (with the C collation, which the dev cluster uses, a plain b-tree already serves a prefix
/// <c>LIKE</c> and is costed the same, so the selector's tie rule keeps the plain one, which also serves <c>=</c> and
/// ORDER BY; under any other collation only the <c>text_pattern_ops</c> one helps, and hypopg's costing shows it); a
/// partial index for the literal conditions the statement carries (<c>WHERE status = 'open'</c>) on the remaining
/// keys; and a covering index (<c>INCLUDE</c> of the other columns the table's scans read) so the statement can be
/// answered by an index-only scan. Every candidate is costed with hypopg; none is kept on its shape alone.
/// </summary>
public static class CandidateGenerator
{
    /// <summary>The candidates for one table access of one statement.</summary>
    public static IReadOnlyList<CandidateIndex> For(TableAccess access, int maxColumns)
    {
        var result = new List<IReadOnlyList<string>>();
        void Add(IEnumerable<string> columns)
        {
            var list = columns.Distinct(StringComparer.Ordinal).Take(maxColumns).ToList();
            if (list.Count > 0 && !result.Any(r => r.SequenceEqual(list, StringComparer.Ordinal)))
            {
                result.Add(list);
            }
        }

        foreach (string column in access.Equality.Concat(access.Range).Concat(access.Join))
        {
            Add([column]);
        }

        if (access.Sort.Count > 0)
        {
            Add(access.Sort);
        }

        var equality = access.Equality.Take(Math.Max(1, maxColumns - 1)).ToList();
        if (equality.Count > 0)
        {
            if (equality.Count > 1)
            {
                Add(equality);
            }

            foreach (string range in access.Range.Where(r => !equality.Contains(r)))
            {
                Add(equality.Append(range));
            }

            if (access.Sort.Count > 0 && !access.Sort.Any(equality.Contains))
            {
                Add(equality.Concat(access.Sort));
            }
        }

        var candidates = result.Select(columns => new CandidateIndex(access.Schema, access.Table, columns)).ToList();
        foreach (string expression in access.Expressions)
        {
            candidates.Add(new CandidateIndex(access.Schema, access.Table, [expression]));
        }

        foreach (string column in access.Prefix)
        {
            candidates.Add(new CandidateIndex(access.Schema, access.Table, [column]));
            candidates.Add(new CandidateIndex(access.Schema, access.Table, [$"{column} text_pattern_ops"]));
        }

        // The keys an index on this access would have, best first: equality, then one range or the sort.
        var keys = equality.Concat(access.Range.Where(r => !equality.Contains(r)).Take(1)).ToList();
        if (access.Range.Count == 0 && !access.Sort.Any(equality.Contains))
        {
            keys.AddRange(access.Sort);
        }

        keys = keys.Distinct(StringComparer.Ordinal).Take(maxColumns).ToList();
        if (access.Constants.Count > 0)
        {
            var constantColumns = access.Constants.Select(c => c[..c.IndexOf(" = ", StringComparison.Ordinal)]).ToList();
            var rest = keys.Where(k => !constantColumns.Contains(CandidateIndex.Quote(k))).ToList();
            if (rest.Count > 0)
            {
                candidates.Add(new CandidateIndex(access.Schema, access.Table, rest, null, string.Join(" AND ", access.Constants)));
            }
        }

        if (access.OutputIsColumns && keys.Count > 0)
        {
            var include = access.Output.Concat(access.Equality).Concat(access.Range).Concat(access.Sort)
                .Distinct(StringComparer.Ordinal).Where(c => !keys.Contains(c)).ToList();
            if (include.Count > 0 && include.Count <= maxColumns)
            {
                candidates.Add(new CandidateIndex(access.Schema, access.Table, keys, include));
            }
        }

        return candidates.DistinctBy(c => c.Key, StringComparer.Ordinal).ToList();
    }
}
