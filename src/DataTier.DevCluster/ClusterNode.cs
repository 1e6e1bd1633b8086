namespace DataTier.DevCluster;

/// <summary>
/// One PostgreSQL instance of the local cluster, as recorded when the snapshot was taken.
/// Node ids are <c>catalog</c>, <c>s1-primary</c>, <c>s1-replica1</c>, ...
/// </summary>
/// <param name="Id">Node id.</param>
/// <param name="ShardId">Shard id (<c>s1</c>...), or null for the catalog.</param>
/// <param name="Role">Catalog, primary or replica.</param>
/// <param name="Port">TCP port on 127.0.0.1.</param>
/// <param name="DataDir">Data directory.</param>
/// <param name="LogFile">Server log file.</param>
/// <param name="Pid">Postmaster PID, or 0 when stopped.</param>
/// <param name="ConnectionString">As <c>datatier_app</c> (DML only).</param>
/// <param name="AdminConnectionString">As <c>datatier_admin</c> (owner: DDL, migrations, monitoring).</param>
/// <param name="SuperuserConnectionString">As <c>postgres</c> over the Unix socket, to database <c>postgres</c>.</param>
/// <param name="PatroniRestUrl">Base URL of the Patroni REST API that manages the node (<c>dev up --ha</c>), else null.</param>
public sealed record ClusterNode(
    string Id,
    string? ShardId,
    ClusterNodeRole Role,
    int Port,
    string DataDir,
    string LogFile,
    int Pid,
    string ConnectionString,
    string AdminConnectionString,
    string SuperuserConnectionString,
    string? PatroniRestUrl = null);
