namespace DataTier.Core.Advice;

/// <summary>
/// Turns what a statement's plan does with a table into candidate indexes: each filtered, joined or sorted column
/// alone, and composites with the equality columns first, then one range or sort column (the order in which a b-tree
/// can serve them), capped at <see cref="AdvisorOptions.MaxColumns"/> columns.
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

        return result.Select(columns => new CandidateIndex(access.Schema, access.Table, columns)).ToList();
    }
}
