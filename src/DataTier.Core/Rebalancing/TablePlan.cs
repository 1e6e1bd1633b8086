namespace DataTier.Core.Rebalancing;

/// <summary>One sharded table's part of a plan: its rows and the rows that move (bytes estimated from its size per row).</summary>
public sealed record TablePlan(string Name, long Rows, long MovedRows, long Bytes, long MovedBytes)
{
    /// <summary>The share of the table's rows that move.</summary>
    public double MovedFraction => Rows == 0 ? 0 : (double)MovedRows / Rows;
}
