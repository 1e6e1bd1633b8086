namespace DataTier.Core.Advice;

/// <summary>An index as the catalog of one node describes it.</summary>
public sealed record ExistingIndex(
    string Schema,
    string Table,
    string Name,
    IReadOnlyList<string> Columns,
    bool Unique,
    bool Primary,
    bool BacksForeignKey,
    bool Valid,
    bool Simple,
    string AccessMethod,
    long Bytes,
    long Scans,
    string Definition)
{
    /// <summary>Suffix of the index on each sharded table's ring position, which rebalancing plans and moves count and copy by.</summary>
    public const string RingPositionSuffix = "_ring_position_idx";

    /// <summary>Identity across nodes: <c>schema.name</c>.</summary>
    public string Key => $"{Schema}.{Name}";

    /// <summary>
    /// Why the advisor never proposes dropping this index (as unused or duplicate), or null when it may. DataTier's
    /// own indexes serve jobs that run rarely (a rebalance's range counts and copies, a move's catch-up, the
    /// idempotency sweep), so few scans do not make them droppable; constraints' indexes enforce the constraint
    /// (<see cref="Unique"/> covers primary keys, unique and exclusion constraints); a foreign key's referencing
    /// columns need theirs for deletes and updates of the referenced rows, whether scans show it or not.
    /// </summary>
    public string? KeptBecause =>
        Primary ? "primary key"
        : Unique ? "unique or exclusion constraint"
        : Schema.StartsWith("datatier_", StringComparison.Ordinal) || Schema == "datatier" ? "DataTier's own schema"
        : Name.EndsWith(RingPositionSuffix, StringComparison.Ordinal) ? "ring position index (rebalancing)"
        : BacksForeignKey ? "backs a foreign key"
        : null;
}
