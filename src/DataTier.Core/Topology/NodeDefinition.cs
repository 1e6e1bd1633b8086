namespace DataTier.Core.Topology;

/// <summary>One PostgreSQL server of a shard.</summary>
public sealed record NodeDefinition(string Id, string ShardId, NodeRole Role, string ConnectionString)
{
    /// <summary>The id of a shard's primary (ids are positional: they name the role, not the server).</summary>
    public static string PrimaryId(string shardId) => $"{shardId}-primary";

    /// <summary>The id of a shard's replica at a 0-based position.</summary>
    public static string ReplicaId(string shardId, int index) => $"{shardId}-replica{index + 1}";

    /// <summary>The id of a shard's replaced former primary at a 0-based position (oldest first).</summary>
    public static string ReplacedId(string shardId, int index) => $"{shardId}-replaced{index + 1}";

    /// <summary>Host and port only: what may be shown to operators (never the password).</summary>
    public string Endpoint { get; } = DescribeEndpoint(ConnectionString);

    private static string DescribeEndpoint(string connectionString)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }
}
