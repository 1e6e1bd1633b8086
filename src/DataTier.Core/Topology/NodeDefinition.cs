namespace DataTier.Core.Topology;

/// <summary>One PostgreSQL server of a shard.</summary>
public sealed record NodeDefinition(string Id, string ShardId, NodeRole Role, string ConnectionString)
{
    /// <summary>Host and port only: what may be shown to operators (never the password).</summary>
    public string Endpoint { get; } = DescribeEndpoint(ConnectionString);

    private static string DescribeEndpoint(string connectionString)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }
}
