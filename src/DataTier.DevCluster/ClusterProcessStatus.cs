namespace DataTier.DevCluster;

/// <summary>One process of a local cluster and whether it runs: a PostgreSQL node, Redis or the server.</summary>
/// <param name="Name">Node id (<c>catalog</c>, <c>s1-primary</c>, ...), <c>redis</c> or <c>server</c>.</param>
/// <param name="Port">TCP port on 127.0.0.1.</param>
/// <param name="Pid">PID as recorded, 0 when stopped.</param>
/// <param name="Running">Whether that process still runs.</param>
public sealed record ClusterProcessStatus(string Name, int Port, int Pid, bool Running);
