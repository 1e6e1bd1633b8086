using System.Globalization;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary><c>COPY tasks FROM STDIN</c> on the wire: every row routed to its ring shard, nothing left anywhere when the COPY fails.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireCopyTests(ClusterFixture fixture)
{
    private const int Rows = 100_000;

    [Fact(Timeout = 180_000)]
    public async Task Copy_text_of_100000_rows_puts_each_row_on_its_rings_shard()
    {
        string prefix = WirePlacement.Prefix("copy-text");
        var teams = WirePlacement.Keys(prefix, Rows);
        try
        {
            await CopyAsync("copy tasks (team_id, title, priority) from stdin", async writer =>
            {
                for (int i = 0; i < teams.Count; i++)
                {
                    // A tab and a backslash in the title are escaped, as the text format wants.
                    await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{teams[i]}\ttitle\\t{i}\\\\\t{i % 5}\n"));
                }
            });

            await WirePlacement.AssertOnRingAsync(fixture, teams, prefix);
            string shard = fixture.Ring.GetShard(teams[7]);
            Assert.Equal("title\t7\\", await Db.ScalarAsync<string>(fixture.Shard(shard).Primary, "select title from tasks where team_id = @t", ("t", teams[7])));
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Copy_csv_with_header_of_100000_rows_puts_each_row_on_its_rings_shard()
    {
        string prefix = WirePlacement.Prefix("copy-csv");
        var teams = WirePlacement.Keys(prefix, Rows);
        try
        {
            await CopyAsync("copy tasks (title, team_id) from stdin with (format csv, header)", async writer =>
            {
                await writer.WriteAsync("title,team_id\r\n");
                for (int i = 0; i < teams.Count; i++)
                {
                    // Quoted fields with the delimiter, a doubled quote and a newline inside; the key quoted every other row.
                    string key = i % 2 == 0 ? teams[i] : $"\"{teams[i]}\"";
                    await writer.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\"a, \"\"quoted\"\"\nline {i}\",{key}\r\n"));
                }
            });

            await WirePlacement.AssertOnRingAsync(fixture, teams, prefix);
            string shard = fixture.Ring.GetShard(teams[3]);
            Assert.Equal("a, \"quoted\"\nline 3", await Db.ScalarAsync<string>(fixture.Shard(shard).Primary, "select title from tasks where team_id = @t", ("t", teams[3])));
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Copy_with_a_row_missing_a_column_fails_with_the_servers_error_and_leaves_no_row()
    {
        string prefix = WirePlacement.Prefix("copy-short");
        var error = await Assert.ThrowsAsync<PostgresException>(() => CopyRowsAsync(prefix, 5000, bad: 2500, badRow: key => $"{key}\tonly a title\n"));

        Assert.Equal("22P04", error.SqlState);
        await WirePlacement.AssertNoneAsync(fixture, prefix);
    }

    [Fact(Timeout = 120_000)]
    public async Task Copy_with_a_bad_value_fails_with_the_servers_error_and_leaves_no_row()
    {
        string prefix = WirePlacement.Prefix("copy-bad");
        var error = await Assert.ThrowsAsync<PostgresException>(() => CopyRowsAsync(prefix, 5000, bad: 4000, badRow: key => $"{key}\tt\tnot-a-number\n"));

        Assert.Equal("22P02", error.SqlState);
        await WirePlacement.AssertNoneAsync(fixture, prefix);
    }

    [Fact(Timeout = 120_000)]
    public async Task CopyFail_from_the_client_leaves_no_row()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = WirePlacement.Prefix("copy-fail");
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        // Not disposed: after CancelAsync the COPY is over, and disposing would write to it again (Npgsql throws).
        var writer = (NpgsqlCopyTextWriter)await connection.BeginTextImportAsync("copy tasks (team_id, title, priority) from stdin");
        foreach (string key in WirePlacement.Keys(prefix, 20_000))
        {
            await writer.WriteAsync($"{key}\tt\t1\n");
        }

        // The rows reach the server first; then Npgsql sends CopyFail and reads the server's answer.
        await writer.FlushAsync();
        await writer.CancelAsync();

        await WirePlacement.AssertNoneAsync(fixture, prefix);
        await using var after = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, (int)(await after.ExecuteScalarAsync())!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Binary_copy_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(async () => await connection.BeginBinaryImportAsync("copy tasks (team_id) from stdin (format binary)"));

        Assert.Equal("0A000", error.SqlState);
    }

    /// <summary>COPYs <paramref name="count"/> good rows with the row at <paramref name="bad"/> replaced by <paramref name="badRow"/>.</summary>
    private Task CopyRowsAsync(string prefix, int count, int bad, Func<string, string> badRow) =>
        CopyAsync("copy tasks (team_id, title, priority) from stdin", async writer =>
        {
            var keys = WirePlacement.Keys(prefix, count);
            for (int i = 0; i < keys.Count; i++)
            {
                await writer.WriteAsync(i == bad ? badRow(keys[i]) : $"{keys[i]}\tt\t{i % 3}\n");
            }
        });

    private async Task CopyAsync(string copy, Func<TextWriter, Task> write)
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var writer = await connection.BeginTextImportAsync(copy);
        await write(writer);
    }
}
