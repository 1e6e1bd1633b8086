namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Combines one aggregate's per-shard results in a group's row, in place: counts and sums add, min and max keep the
/// winning cell (so a front end can relay its bytes), avg adds its sum and count and divides at the end.
/// </summary>
internal static class CrossShardAccumulator
{
    /// <summary>Brings the first partial row's value into the merge's form (long or <see cref="PgNumeric"/> for counts and sums).</summary>
    public static void Start(CrossShardAggregate aggregate, object?[] row, in CrossShardLayout layout)
    {
        int column = layout.IndexOf(aggregate.Column);
        switch (aggregate.Kind)
        {
            case CrossShardAggregateKind.Count:
                row[column] = Count(row[column], aggregate);
                break;
            case CrossShardAggregateKind.Sum:
                row[column] = Add(null, row[column], aggregate);
                break;
            case CrossShardAggregateKind.Avg:
                row[column] = Add(null, row[column], aggregate);
                int count = layout.IndexOf(aggregate.Count!.Value);
                row[count] = Count(row[count], aggregate);
                break;
            case CrossShardAggregateKind.BoolAnd or CrossShardAggregateKind.BoolOr:
                row[column] = Bool(row[column], aggregate);
                break;
        }
    }

    /// <summary>Adds another shard's partial result <paramref name="partial"/> into <paramref name="row"/>.</summary>
    public static void Combine(CrossShardAggregate aggregate, object?[] row, object?[] partial, in CrossShardLayout layout)
    {
        int column = layout.IndexOf(aggregate.Column);
        switch (aggregate.Kind)
        {
            case CrossShardAggregateKind.Count:
                row[column] = checked((long)row[column]! + Count(partial[column], aggregate));
                break;
            case CrossShardAggregateKind.Sum:
                row[column] = Add(row[column], partial[column], aggregate);
                break;
            case CrossShardAggregateKind.Avg:
                row[column] = Add(row[column], partial[column], aggregate);
                int count = layout.IndexOf(aggregate.Count!.Value);
                row[count] = checked((long)row[count]! + Count(partial[count], aggregate));
                break;
            case CrossShardAggregateKind.Min or CrossShardAggregateKind.Max:
                object? value = CrossShardValues.Unwrap(partial[column]);
                object? best = CrossShardValues.Unwrap(row[column]);
                if (value is not null && (best is null || CrossShardValues.Compare(value, best) * (aggregate.Kind == CrossShardAggregateKind.Min ? 1 : -1) < 0))
                {
                    row[column] = partial[column];
                }

                break;
            case CrossShardAggregateKind.BoolAnd or CrossShardAggregateKind.BoolOr:
                bool? a = (bool?)row[column];
                bool? b = Bool(partial[column], aggregate);
                row[column] = a is null ? b : b is null ? a : aggregate.Kind == CrossShardAggregateKind.BoolAnd ? a.Value && b.Value : a.Value || b.Value;
                break;
        }
    }

    /// <summary>After every partial row: an avg becomes its sum divided by its count with numeric's scale rules.</summary>
    public static void Finish(CrossShardAggregate aggregate, object?[] row, in CrossShardLayout layout)
    {
        if (aggregate.Kind != CrossShardAggregateKind.Avg)
        {
            return;
        }

        int column = layout.IndexOf(aggregate.Column);
        long count = (long)row[layout.IndexOf(aggregate.Count!.Value)]!;
        row[column] = count == 0 || row[column] is null ? null : PgNumeric.Divide(CrossShardValues.ToNumeric(row[column]!), PgNumeric.FromInt64(count));
    }

    private static long Count(object? cell, CrossShardAggregate aggregate) =>
        CrossShardValues.Unwrap(cell) switch
        {
            long l => l,
            int i => i,
            null => 0,
            var other => throw Unexpected(aggregate, other),
        };

    private static bool? Bool(object? cell, CrossShardAggregate aggregate) =>
        CrossShardValues.Unwrap(cell) switch
        {
            bool b => b,
            null => null,
            var other => throw Unexpected(aggregate, other),
        };

    private static object? Add(object? total, object? cell, CrossShardAggregate aggregate)
    {
        object? value = CrossShardValues.Unwrap(cell);
        if (value is null)
        {
            return total;
        }

        if (value is double or float)
        {
            throw CrossShardRefusal.Create(
                $"{aggregate.Function}() of a floating-point column",
                "floating-point addition depends on the order of the rows, so the shards' partial sums do not add up to exactly what one database computes");
        }

        if (!CrossShardValues.IsNumber(value))
        {
            throw CrossShardRefusal.Create($"{aggregate.Function}() of a value of type {CrossShardValues.TypeName(value)}", "DataTier adds integers and numeric values only");
        }

        if (total is null)
        {
            return CrossShardValues.IsInteger(value) ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : CrossShardValues.ToNumeric(value);
        }

        return total is long t && value is long v ? checked(t + v) : CrossShardValues.ToNumeric(total) + CrossShardValues.ToNumeric(value);
    }

    private static InvalidOperationException Unexpected(CrossShardAggregate aggregate, object value) =>
        new($"A shard returned a {CrossShardValues.TypeName(value)} for the per-shard part of {aggregate.Function}().");
}
