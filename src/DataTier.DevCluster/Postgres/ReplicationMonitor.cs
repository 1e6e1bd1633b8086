using DataTier.DevCluster.State;
using Npgsql;

namespace DataTier.DevCluster.Postgres;

/// <summary>Waits for replicas to stream from their primary and to replay up to its current WAL position.</summary>
internal static class ReplicationMonitor
{
    /// <summary>Waits until every replica has replayed the primary's WAL as of now.</summary>
    public static async Task WaitForCatchUpAsync(ClusterState state, NodeState primary, IReadOnlyList<NodeState> replicas, TimeSpan timeout, CancellationToken ct)
    {
        if (replicas.Count == 0)
        {
            return;
        }

        string target;
        await using (var connection = new NpgsqlConnection(state.SuperuserConnectionString(primary)))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", connection);
            target = (string)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        foreach (var replica in replicas)
        {
            var deadline = DateTime.UtcNow + timeout;
            await using var connection = new NpgsqlConnection(state.SuperuserConnectionString(replica));
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT coalesce(pg_last_wal_replay_lsn() >= @target::pg_lsn, false)", connection);
            command.Parameters.AddWithValue("target", target);
            while (!(bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new DevClusterException(
                        $"{replica.Id} did not replay {primary.Id}'s WAL up to {target} within {timeout.TotalSeconds:0} s; see {replica.LogFile}.");
                }

                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }
}
