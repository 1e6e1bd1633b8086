using DataTier.Core.Errors;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// The error of a key-less read whose answer DataTier cannot merge exactly across shards. Both front ends show it: HTTP as
/// a 400 problem of type <c>cross-shard-unsupported</c>, the wire as SQLSTATE 0A000. The message always has the form
/// "... refused: {construct} cannot be merged exactly across shards (...)" so that callers (and the differential test)
/// can tell the construct.
/// </summary>
public static class CrossShardRefusal
{
    /// <summary>The error code (and problem type suffix).</summary>
    public const string Code = "cross-shard-unsupported";

    /// <summary>What to do instead, appended to every refusal.</summary>
    public const string Advice = "Name the shard key (a condition on the table's key column) to run it on one shard, or read the rows and combine them yourself.";

    /// <summary>A refusal naming <paramref name="construct"/>, with why it cannot be merged.</summary>
    public static DataTierException Create(string construct, string reason) =>
        new(DataTierErrorKind.BadRequest, Code, $"Cross-shard read refused: {construct} cannot be merged exactly across shards ({reason}). {Advice}");

    /// <summary>Whether <paramref name="error"/> is a cross-shard refusal.</summary>
    public static bool Is(DataTierException error) => error.Code == Code;
}
