namespace DataTier.Core.Sql.CrossShard;

/// <summary><c>a op b</c> for =, &lt;&gt;, &lt;, &lt;=, &gt;, &gt;=: null when either side is null, as in SQL.</summary>
internal sealed class HavingComparison(string op, HavingNode left, HavingNode right) : HavingNode
{
    public override object? Evaluate(object?[] row, in CrossShardLayout layout)
    {
        object? a = left.Evaluate(row, layout);
        object? b = right.Evaluate(row, layout);
        if (a is null || b is null)
        {
            return null;
        }

        int c = CrossShardValues.Compare(a, b);
        return op switch
        {
            "=" => c == 0,
            "<>" or "!=" => c != 0,
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            ">=" => c >= 0,
            _ => throw new InvalidOperationException($"HAVING operator {op} was not checked by the planner."),
        };
    }
}
