namespace DataTier.Core.Advice;

/// <summary>
/// One index as <see cref="IndexInventory"/>'s query reads it, before it becomes an <see cref="ExistingIndex"/>.
/// Properties, not a positional record: Dapper binds constructor parameters only when the types match exactly, and
/// Npgsql reports a <c>text[]</c> column as <see cref="Array"/>, not <c>string[]</c>.
/// </summary>
internal sealed record IndexRow
{
    public string Schema { get; init; } = "";

    public string Table { get; init; } = "";

    public string Name { get; init; } = "";

    public string[] Columns { get; init; } = [];

    public bool Unique { get; init; }

    public bool Primary { get; init; }

    public bool BacksForeignKey { get; init; }

    public bool Valid { get; init; }

    public bool Simple { get; init; }

    public string AccessMethod { get; init; } = "";

    public long Bytes { get; init; }

    public long Scans { get; init; }

    public string Definition { get; init; } = "";
}
