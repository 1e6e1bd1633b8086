namespace DataTier.Core.Advice;

/// <summary>What a plan says about one table a statement reads: the columns of its filters, joins and sort.</summary>
public sealed class TableAccess
{
    /// <summary>Creates an empty access record for a table.</summary>
    public TableAccess(string schema, string table)
    {
        Schema = schema;
        Table = table;
    }

    /// <summary>Schema of the table.</summary>
    public string Schema { get; }

    /// <summary>Table name.</summary>
    public string Table { get; }

    /// <summary>Columns compared for equality (or IS NULL, = ANY), in order of appearance.</summary>
    public List<string> Equality { get; } = [];

    /// <summary>Columns compared with a range operator.</summary>
    public List<string> Range { get; } = [];

    /// <summary>Columns joined to another table.</summary>
    public List<string> Join { get; } = [];

    /// <summary>Columns the result is sorted by (only when every sort key is of this table).</summary>
    public List<string> Sort { get; } = [];

    /// <summary>Columns matched with <c>LIKE</c> (<c>~~</c>) against a parameter or a prefix pattern (<c>'abc%'</c>).</summary>
    public List<string> Prefix { get; } = [];

    /// <summary>Expressions compared for equality, as index keys: <c>lower(email)</c>.</summary>
    public List<string> Expressions { get; } = [];

    /// <summary>Conditions against a literal the plan shows (<c>status = 'open'::text</c>): a partial index's predicate.</summary>
    public List<string> Constants { get; } = [];

    /// <summary>Columns compared (<c>=</c> or <c>~~</c>) with a bare parameter, and its number: where a sampled value can be inlined.</summary>
    public List<(string Column, string Operator, int Parameter)> Parameters { get; } = [];

    /// <summary>Plain columns the scans of this table output (VERBOSE's <c>Output</c>).</summary>
    public List<string> Output { get; } = [];

    /// <summary>Whether every output of its scans is a plain column, so an index holding them all can answer alone.</summary>
    public bool OutputIsColumns { get; set; } = true;

    /// <summary>Whether the plan read it with a sequential scan.</summary>
    public bool SequentialScan { get; set; }

    internal static void AddOnce(List<string> list, string column)
    {
        if (!list.Contains(column, StringComparer.Ordinal))
        {
            list.Add(column);
        }
    }
}

/// <summary>The total cost of a plan, the tables it accesses and whether it reads any with an index-only scan.</summary>
public sealed record PlanFacts(double TotalCost, IReadOnlyList<TableAccess> Tables, bool IndexOnlyScan = false);
