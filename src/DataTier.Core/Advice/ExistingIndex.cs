namespace DataTier.Core.Advice;

/// <summary>An index as the catalog of one node describes it.</summary>
public sealed record ExistingIndex(
    string Schema,
    string Table,
    string Name,
    IReadOnlyList<string> Columns,
    bool Unique,
    bool Primary,
    bool Valid,
    bool Simple,
    string AccessMethod,
    long Bytes,
    long Scans,
    string Definition)
{
    /// <summary>Identity across nodes: <c>schema.name</c>.</summary>
    public string Key => $"{Schema}.{Name}";
}
