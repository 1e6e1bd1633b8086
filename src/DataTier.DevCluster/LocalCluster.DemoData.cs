namespace DataTier.DevCluster;

/// <content>The demo data set on databases this class did not start (docker-compose, a staging cluster).</content>
public static partial class LocalCluster
{
    /// <summary>
    /// Loads the demo data set of <c>dev up --rows</c> into migrated shard databases given as (shard id, connection string
    /// of the tables' owner), placing each team as a server configured with these shard ids at weight 1 routes it.
    /// Returns the teams put on each shard, or null when a shard already holds teams (nothing is loaded twice).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, int>?> LoadDemoDataAsync(
        IReadOnlyList<KeyValuePair<string, string>> shardPrimaries, int rows, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(shardPrimaries);
        if (await Postgres.DemoData.AnyTeamAsync(shardPrimaries, ct).ConfigureAwait(false))
        {
            return null;
        }

        return await Postgres.DemoData.LoadAsync(shardPrimaries, rows, ct).ConfigureAwait(false);
    }

    /// <summary>Teams in the demo data set for a row budget (as <c>dev up --rows</c> makes it).</summary>
    public static int DemoTeamCount(int rows) => Postgres.DemoData.TeamCount(rows);
}
