using System.Diagnostics;
using System.Text.Json;
using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using DataTier.Core.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Advice.Validation;

/// <summary>
/// Proof by measurement: builds each recommended index on one canary shard (the first of its shards, on the
/// primary), replays the evidence statements there with the latest parameter values DataTier saw
/// (<see cref="WarmupSamples"/>) before and after, and keeps the advice only when the measured speed-up reaches
/// <see cref="AdvisorOptions.MinMeasuredSpeedup"/>. Latency is the median <c>Execution Time</c> of
/// <c>EXPLAIN (ANALYZE, TIMING OFF)</c> over <see cref="MeasuredRuns"/> runs on one dedicated connection, each series
/// preceded by <see cref="WarmRuns"/> unmeasured runs so the buffers are warmed the same way before and after.
/// Building an index takes the table's owner: the canary connection logs in as <c>DataTier:Maintenance:Username</c>
/// / <c>Password</c> (the owner login migrations run as) when set, else as DataTier's own login.
/// </summary>
public sealed class CanaryValidator(
    ITopologyProvider topology,
    WarmupSamples samples,
    QueryDigest digest,
    ICanaryIndexBuilder builder,
    IConfiguration configuration,
    IOptions<AdvisorOptions> options)
{
    /// <summary>Unmeasured runs before each measured series.</summary>
    public const int WarmRuns = 2;

    /// <summary>Measured runs per statement, before and after; the median counts.</summary>
    public const int MeasuredRuns = 5;

    private readonly AdvisorOptions _options = options.Value;
    private readonly string? _username = configuration["DataTier:Maintenance:Username"];
    private readonly string? _password = configuration["DataTier:Maintenance:Password"];

    /// <summary>Each recommendation with its measurement attached, split into kept and dropped.</summary>
    public async Task<(List<IndexRecommendation> Kept, List<IndexRecommendation> Dropped)> ValidateAsync(
        IReadOnlyList<IndexRecommendation> recommendations, List<string> notes, CancellationToken cancellationToken)
    {
        var latest = samples.MostFrequentOfAnyKind(digest, WarmupSamples.MaxShapes)
            .GroupBy(s => s.Sample.Statement.Fingerprint, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Sample, StringComparer.Ordinal);
        var kept = new List<IndexRecommendation>();
        var dropped = new List<IndexRecommendation>();
        foreach (var recommendation in recommendations)
        {
            var measured = await MeasureAsync(recommendation, latest, cancellationToken).ConfigureAwait(false);
            (measured.Kept ? kept : dropped).Add(recommendation with { Measured = measured });
        }

        if (dropped.Count > 0)
        {
            notes.Add($"{dropped.Count} recommendation(s) dropped after measurement on the canary shard (see rejected): {string.Join("; ", dropped.Select(d => $"{d.IndexName}: {d.Measured!.Reason}"))}.");
        }

        return (kept, dropped);
    }

    private async Task<CanaryMeasurement> MeasureAsync(IndexRecommendation recommendation, Dictionary<string, WarmupSample> latest, CancellationToken cancellationToken)
    {
        double min = _options.MinMeasuredSpeedup;
        string canary = recommendation.Shards.Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
        var shard = topology.Current.Shards.FirstOrDefault(s => s.Id == canary);
        if (shard is null)
        {
            return new CanaryMeasurement(canary, true, $"not measured: shard '{canary}' is not in the topology any more", null, min, null, null, false, []);
        }

        var evidence = recommendation.Statements.Where(e => e.Shard == canary).ToList();
        string schema = recommendation.Table[..recommendation.Table.IndexOf('.', StringComparison.Ordinal)];
        string qualified = $"{CandidateIndex.Quote(schema)}.{CandidateIndex.Quote(recommendation.IndexName)}";
        var login = new NpgsqlConnectionStringBuilder(shard.Primary.ConnectionString) { Pooling = false };
        if (!string.IsNullOrEmpty(_username))
        {
            (login.Username, login.Password) = (_username, _password);
        }

        try
        {
            // Its own connection, outside DataTier's pools: a concurrent build holds it for as long as it takes.
            await using var connection = new NpgsqlConnection(login.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"SET statement_timeout = {_options.StatementTimeoutMs}", cancellationToken).ConfigureAwait(false);
            if (await ScalarAsync<bool>(connection, $"select to_regclass('{qualified.Replace("'", "''", StringComparison.Ordinal)}') is not null", cancellationToken).ConfigureAwait(false))
            {
                // Its "before" would be measured with the index in place.
                return new CanaryMeasurement(canary, true, $"not measured: an index {qualified} already exists on {canary}'s primary", null, min, null, null, true, []);
            }

            var before = new Dictionary<string, double?>(StringComparer.Ordinal);
            var notes = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var e in evidence)
            {
                if (!latest.TryGetValue(e.Fingerprint, out var sample))
                {
                    notes[e.Fingerprint] = "no parameter values DataTier saw for this statement (only cacheable reads through DataTier keep their latest values), so it was not replayed";
                    continue;
                }

                (before[e.Fingerprint], notes[e.Fingerprint]) = await MedianAsync(connection, sample, cancellationToken).ConfigureAwait(false);
            }

            var watch = Stopwatch.StartNew();
            await builder.BuildAsync(connection, recommendation.CreateSql, cancellationToken).ConfigureAwait(false);
            double buildMs = Math.Round(watch.Elapsed.TotalMilliseconds, 1);
            long bytes = await ScalarAsync<long>(connection, $"select pg_relation_size(to_regclass('{qualified.Replace("'", "''", StringComparison.Ordinal)}'))", cancellationToken).ConfigureAwait(false);
            var statements = new List<(StatementMeasurement, long)>();
            try
            {
                foreach (var e in evidence)
                {
                    double? after = null;
                    if (before.GetValueOrDefault(e.Fingerprint) is not null)
                    {
                        (after, notes[e.Fingerprint]) = await MedianAsync(connection, latest[e.Fingerprint], cancellationToken).ConfigureAwait(false);
                    }

                    statements.Add((new StatementMeasurement(e.Fingerprint, after is null ? 0 : MeasuredRuns,
                        after is null ? null : before[e.Fingerprint], after, notes.GetValueOrDefault(e.Fingerprint)), e.Calls));
                }
            }
            finally
            {
                if (!_options.KeepCanaryIndex)
                {
                    await ExecuteAsync(connection, recommendation.DropSql, CancellationToken.None).ConfigureAwait(false);
                }
            }

            var (kept, speedUp, reason) = SpeedupDecision.Decide(statements, min);
            return new CanaryMeasurement(canary, kept, reason, speedUp, min, bytes, buildMs, _options.KeepCanaryIndex, statements.Select(s => s.Item1).ToList());
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            // A failed canary login, build or probe (or a CREATE the safe builder cannot parse) proves nothing either
            // way: the advice stands, marked unmeasured, and the run goes on.
            string why = e is PostgresException p ? $"{p.SqlState} {p.MessageText}" : e.Message;
            return new CanaryMeasurement(canary, true, $"not measured: {why} on {canary}'s primary", null, min, null, null, false, []);
        }
    }

    // Warm, then measure: the median server-side execution time, so network and DataTier's own work stay out of it.
    private static async Task<(double? Median, string? Note)> MedianAsync(NpgsqlConnection connection, WarmupSample sample, CancellationToken cancellationToken)
    {
        var times = new List<double>(MeasuredRuns);
        try
        {
            for (int run = 0; run < WarmRuns + MeasuredRuns; run++)
            {
                await using var cmd = new NpgsqlCommand("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sample.Statement.Sql, connection);
                cmd.Parameters.AddRange(sample.Statement.CloneParameters());
                string json = (string)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                using var plan = JsonDocument.Parse(json);
                if (run >= WarmRuns)
                {
                    times.Add(plan.RootElement[0].GetProperty("Execution Time").GetDouble());
                }
            }
        }
        catch (PostgresException e)
        {
            return (null, $"replay failed: {e.SqlState} {e.MessageText}");
        }

        return (Math.Round(SpeedupDecision.Median(times), 3), null);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (T)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
