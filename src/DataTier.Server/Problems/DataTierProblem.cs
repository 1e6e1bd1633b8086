namespace DataTier.Server.Problems;

/// <summary>
/// The shape of every problem+json answer, for the OpenAPI document (<see cref="ProblemWriter"/> writes them).
/// </summary>
public sealed class DataTierProblem
{
    /// <summary><c>https://datatier.dev/problems/&lt;code&gt;</c>; every DataTier serves its explanation at <c>/problems/&lt;code&gt;</c>.</summary>
    public required string Type { get; init; }

    /// <summary>A short summary.</summary>
    public required string Title { get; init; }

    /// <summary>The HTTP status.</summary>
    public required int Status { get; init; }

    /// <summary>What went wrong, for people: never a connection string, key or parameter value.</summary>
    public required string Detail { get; init; }

    /// <summary>The request path.</summary>
    public required string Instance { get; init; }

    /// <summary>The problem code (data API problems; the last segment of <c>type</c>).</summary>
    public string? Code { get; init; }

    /// <summary>PostgreSQL's SQLSTATE, when the server reported one.</summary>
    public string? SqlState { get; init; }

    /// <summary>The shard involved.</summary>
    public string? Shard { get; init; }

    /// <summary>For wrong-shard: the shard that owns the refused row.</summary>
    public string? Owner { get; init; }

    /// <summary>The request's trace id, to find it in the server log.</summary>
    public required string TraceId { get; init; }
}
