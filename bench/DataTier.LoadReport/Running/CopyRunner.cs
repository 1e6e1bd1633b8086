using System.Diagnostics;
using System.Globalization;
using System.Text;
using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.Latency;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Scenarios;
using Npgsql;

namespace DataTier.LoadReport.Running;

/// <summary>
/// One <c>COPY activity_logs (team_id, action) FROM STDIN</c> of <see cref="Rows"/> rows (text format, written with
/// Npgsql's BeginTextImport in 64 KB pieces, the rows built before the clock starts), to a primary or through
/// DataTier's wire front end; rows/s is the scenario's throughput. The keys are spread over every shard by the ring, the
/// same rows in every copy scenario (a prefix of the scenario's own keeps them apart). Afterwards the rows are counted
/// on every shard's primary, which must hold all of them, and deleted.
/// </summary>
internal sealed class CopyRunner(DevClusterManifest manifest)
{
    public const int Rows = 100_000;

    private const string Copy = "copy activity_logs (team_id, action) from stdin";

    public async Task<LoadOutcome> RunAsync(ScenarioDefinition scenario, PgEndpoint endpoint, CancellationToken ct)
    {
        string prefix = $"copybench-{scenario.Name}-{Guid.NewGuid():N}"[..40] + "-";
        var chunks = Chunks(prefix);
        var notes = new List<string>();
        long failed = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            await using var connection = new NpgsqlConnection(endpoint.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            clock.Restart();
            await using (var writer = await connection.BeginTextImportAsync(Copy, ct).ConfigureAwait(false))
            {
                foreach (string chunk in chunks)
                {
                    await writer.WriteAsync(chunk.AsMemory(), ct).ConfigureAwait(false);
                }
            }

            clock.Stop();
        }
        catch (PostgresException e)
        {
            clock.Stop();
            failed = 1;
            notes.Add($"COPY failed: {e.SqlState} {e.MessageText}");
        }

        long landed = await CountAndDeleteAsync(prefix, ct).ConfigureAwait(false);
        if (failed == 0 && landed != Rows)
        {
            failed = 1;
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"the shards hold {landed} of the {Rows} rows copied"));
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new LoadOutcome(
            failed == 0 ? Rows : 0,
            seconds,
            failed == 0 ? Rows / seconds : 0,
            new ErrorCounts(0, 0, 0, failed),
            PercentileTable.FromSamples([clock.Elapsed.TotalMicroseconds]),
            clock.Elapsed.TotalMicroseconds,
            notes);
    }

    /// <summary>The rows as COPY text, cut into pieces of about 64 KB as a client's buffer would send them.</summary>
    private static List<string> Chunks(string prefix)
    {
        var chunks = new List<string>();
        var chunk = new StringBuilder(70_000);
        for (int i = 0; i < Rows; i++)
        {
            chunk.Append(prefix).Append(i.ToString(CultureInfo.InvariantCulture)).Append("\tcopied row ").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (chunk.Length >= 64 * 1024)
            {
                chunks.Add(chunk.ToString());
                chunk.Clear();
            }
        }

        chunks.Add(chunk.ToString());
        return chunks;
    }

    private async Task<long> CountAndDeleteAsync(string prefix, CancellationToken ct)
    {
        long rows = 0;
        foreach (var shard in manifest.Shards)
        {
            await using var connection = new NpgsqlConnection(shard.Primary);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var delete = new NpgsqlCommand("delete from activity_logs where team_id like @p", connection) { CommandTimeout = 120 };
            delete.Parameters.AddWithValue("p", prefix + "%");
            rows += await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return rows;
    }
}
