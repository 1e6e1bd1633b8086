namespace DataTier.Server.Endpoints;

/// <summary>
/// What adding a shard checks on its primary: whether it is a standby, and which sharded tables it lacks.
/// Properties, not a positional record: Dapper binds constructor parameters only when the types match exactly, and
/// Npgsql reports a <c>text[]</c> column as <see cref="Array"/>, not <c>string[]</c>.
/// </summary>
internal sealed record NewShardState
{
    public bool InRecovery { get; init; }

    public string[] MissingTables { get; init; } = [];
}
