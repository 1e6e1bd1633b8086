namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A row of a moved table as the source sends it: <c>to_jsonb(row)::text</c>.</summary>
internal sealed record JsonRow(string Json);
