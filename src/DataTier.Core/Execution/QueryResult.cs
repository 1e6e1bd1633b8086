namespace DataTier.Core.Execution;

/// <summary>Rows read from one node.</summary>
public sealed class QueryResult
{
    /// <summary>Column names, in order.</summary>
    public required string[] Columns { get; init; }

    /// <summary>Row values in column order (json/jsonb as <see cref="RawJson"/>).</summary>
    public required List<object?[]> Rows { get; init; }

    /// <summary>Whether more rows existed than were returned.</summary>
    public bool Truncated { get; init; }

    /// <summary>The node's LSN when the rows were read (replay LSN on a replica); 0 when unknown.</summary>
    public ulong Lsn { get; set; }

    /// <summary>Empty result.</summary>
    public static QueryResult Empty { get; } = new() { Columns = [], Rows = [] };
}
