using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>What a COPY statement moves, and where.</summary>
/// <param name="Direction">FROM (into the table) or TO.</param>
/// <param name="Table">The table, or null for <c>COPY (query) TO</c>.</param>
/// <param name="FileName">The server-side file or program; null for STDIN/STDOUT (the client).</param>
/// <param name="IsProgram">COPY ... PROGRAM.</param>
internal sealed record PgCopyStatement(PgCopyDirection Direction, PgTableReference? Table, string? FileName, bool IsProgram)
{
    /// <summary>The column list, as PostgreSQL folds the names; empty when the statement has none (every column, in table order).</summary>
    public ImmutableArray<string> Columns { get; init; } = [];

    /// <summary>The options, in the order written.</summary>
    public ImmutableArray<PgCopyOption> Options { get; init; } = [];

    /// <summary>The last value given for option <paramref name="name"/> (PostgreSQL refuses repeated options), or null.</summary>
    public PgCopyOption? Option(string name) => Options.LastOrDefault(o => o.Name == name);

    /// <summary>True when the rows come from or go to the client (STDIN/STDOUT), the only COPY a proxy can relay.</summary>
    public bool IsClientSide => FileName is null;

}
