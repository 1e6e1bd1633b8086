using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.Core.Execution;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.CrossShard;

/// <summary>
/// The acceptance test of cross-shard reads: random key-less statements over <c>tasks</c> run through DataTier (HTTP
/// /v1/scatter and the wire) and against one ordinary database holding the same rows (the oracle, a schema in the
/// catalog's database); every answer must equal the oracle's, or the statement must be refused by construct.
/// DATATIER_XS_SEED replays a run; DATATIER_XS_STATEMENTS changes how many statements run (at least 2,000 by default).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class CrossShardDifferentialTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int TestRowsPerShard = 300;

    [GeneratedRegex("refused: (.+?) cannot be merged exactly")]
    private static partial Regex Construct();

    [Fact(Timeout = 900_000)]
    public async Task Random_keyless_reads_answer_what_one_database_answers_or_are_refused_by_construct()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("DATATIER_XS_SEED"), out int s) ? s : Random.Shared.Next();
        int statements = int.TryParse(Environment.GetEnvironmentVariable("DATATIER_XS_STATEMENTS"), out int n) ? n : 2000;
        output.WriteLine($"seed {seed} (replay with DATATIER_XS_SEED={seed}), {statements} statements");
        string marker = "xs-" + Guid.NewGuid().ToString("N")[..8];
        string schema = "xs_oracle_" + marker[3..];
        var watch = Stopwatch.StartNew();
        await InsertTestRowsAsync(marker, new Random(seed));
        await using var oracle = await Db.OpenAsync(fixture.Manifest.CatalogAdmin);
        try
        {
            var timestamps = await LoadOracleAsync(oracle, schema);
            await AssertCollationIsCAsync(oracle);
            await using var wire = await WireServer.StartAsync(fixture);
            await using var connection = await Db.OpenAsync(wire.ConnectionString());
            await ExecuteOnAsync(connection, "set datatier.consistency = strong");
            using var http = wire.Server.CreateClient(fixture.Manifest.Keys.App);
            output.WriteLine($"set-up {watch.Elapsed.TotalSeconds:F1} s");

            var generator = new CrossShardStatementGenerator(new Random(seed), timestamps);
            var refused = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var mismatches = new List<string>();
            int matched = 0;
            int bothFailed = 0;
            for (int i = 0; i < statements; i++)
            {
                var statement = generator.Next();
                Answer expected, overWire, overHttp;
                try
                {
                    expected = await RunOracleAsync(oracle, statement.Sql);
                    overWire = await RunWireAsync(connection, statement.Sql);
                    overHttp = await RunHttpAsync(http, statement.Sql);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    throw new InvalidOperationException($"statement #{i} (seed {seed}) failed in the test's client: {statement.Sql}", e);
                }

                int failedBefore = bothFailed;
                string? problem = Judge(statement, expected, overWire, overHttp, refused, ref bothFailed);
                if (bothFailed > failedBefore && bothFailed <= 5)
                {
                    output.WriteLine($"  failed alike: {statement.Sql}\n    oracle: {expected.Error}\n    wire: {overWire.Error}\n    HTTP: {overHttp.Error}");
                }

                if (problem is null)
                {
                    matched += statement.ExpectedRefusal is null && expected.Error is null ? 1 : 0;
                }
                else
                {
                    mismatches.Add($"#{i} {statement.Sql}\n    {problem}");
                }
            }

            output.WriteLine($"{statements} statements in {watch.Elapsed.TotalSeconds:F1} s: {matched} matched the oracle over HTTP and the wire, {refused.Values.Sum()} refused by construct, {bothFailed} failed on the oracle and in DataTier alike, {mismatches.Count} mismatched");
            foreach (var (construct, count) in refused)
            {
                output.WriteLine($"  refused {count,4}: {construct}");
            }

            foreach (string mismatch in mismatches.Take(20))
            {
                output.WriteLine(mismatch);
            }

            Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {statements} statements did not match (seed {seed}); first: {mismatches.FirstOrDefault()}");
            Assert.True(matched >= statements * 3 / 4, $"only {matched} of {statements} statements were answered and compared");
        }
        finally
        {
            await ExecuteOnAsync(oracle, $"drop schema if exists {schema} cascade");
            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, $"delete from tasks where team_id like '{marker}-%'");
            }
        }
    }

    /// <summary>Rows of the test's own on every shard, with NULL user ids, ties and non-ASCII titles.</summary>
    private async Task InsertTestRowsAsync(string marker, Random random)
    {
        string[] statuses = ["open", "done", "xs", "in_progress"];
        string[] titles = ["Task 1 xs", "Task 5 ÿ", "Task 9 émoji 😀", "Task 1", "zz", "Task 5 ｆ", "A"];
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var connection = await Db.OpenAsync(shard.PrimaryAdmin);
            var teams = Enumerable.Range(0, 6).Select(_ => fixture.KeyOnShard(shard.Id, marker)).ToArray();
            await using var batch = new NpgsqlBatch(connection);
            for (int i = 0; i < TestRowsPerShard; i++)
            {
                var command = new NpgsqlBatchCommand("insert into tasks (team_id, task_id, user_id, status, priority, title, created_at) values ($1, $2, $3, $4, $5, $6, $7)");
                command.Parameters.Add(new NpgsqlParameter { Value = teams[random.Next(teams.Length)] });
                command.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
                command.Parameters.Add(new NpgsqlParameter { Value = random.Next(3) == 0 ? DBNull.Value : random.Next(1, 400_000) });
                command.Parameters.Add(new NpgsqlParameter { Value = statuses[random.Next(statuses.Length)] });
                command.Parameters.Add(new NpgsqlParameter { Value = random.Next(5) });
                command.Parameters.Add(new NpgsqlParameter { Value = titles[random.Next(titles.Length)] });
                command.Parameters.Add(new NpgsqlParameter { Value = DateTime.UtcNow.AddSeconds(-random.Next(90 * 86400)) });
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The oracle: every shard's tasks, in one table of one database (same column types, read from a shard).</summary>
    private async Task<List<string>> LoadOracleAsync(NpgsqlConnection oracle, string schema)
    {
        var first = fixture.Manifest.Shards[0];
        var columns = new List<string>();
        await using (var shard = await Db.OpenAsync(first.PrimaryAdmin))
        await using (var read = new NpgsqlCommand("select column_name, data_type from information_schema.columns where table_schema = 'public' and table_name = 'tasks' order by ordinal_position", shard))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            }
        }

        await ExecuteOnAsync(oracle, $"create schema {schema}; create table {schema}.tasks ({string.Join(", ", columns)})");
        await ExecuteOnAsync(oracle, $"set search_path = {schema}");
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var source = await Db.OpenAsync(shard.PrimaryAdmin);
            await using var reader = await source.BeginRawBinaryCopyAsync("copy tasks to stdout (format binary)");
            await using var writer = await oracle.BeginRawBinaryCopyAsync("copy tasks from stdin (format binary)");
            await reader.CopyToAsync(writer);
        }

        var timestamps = new List<string>();
        await using (var quantiles = new NpgsqlCommand("select to_char(percentile_disc(q) within group (order by created_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS+00') from tasks, unnest(array[0.1, 0.3, 0.5, 0.7, 0.9]) q group by q", oracle))
        await using (var reader = await quantiles.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                timestamps.Add(reader.GetString(0));
            }
        }

        output.WriteLine($"oracle {schema}.tasks: {await ScalarOnAsync<long>(oracle, "select count(*) from tasks")} rows");
        return timestamps;
    }

    private async Task AssertCollationIsCAsync(NpgsqlConnection oracle)
    {
        Assert.Equal("C", await ScalarOnAsync<string>(oracle, "select datcollate from pg_database where datname = current_database()"));
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var connection = await Db.OpenAsync(shard.PrimaryAdmin);
            Assert.Equal("C", await ScalarOnAsync<string>(connection, "select datcollate from pg_database where datname = current_database()"));
        }
    }
}
