using System.Data;
using System.Text.Json;
using DataTier.Core.Caching;
using DataTier.Core.DataPath;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.DataApi;

/// <summary>The Core entry point every front end calls, used as a front end uses it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DataGatewayTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_write_answer_exists_only_once_its_tables_versions_are_bumped_here_and_in_redis()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var gateway = server.Services.GetRequiredService<DataGateway>();
        var preparer = server.Services.GetRequiredService<StatementPreparer>();
        var versions = server.Services.GetRequiredService<TableVersions>();
        var profiler = server.Services.GetRequiredService<StatementProfiler>();
        var topology = server.Services.GetRequiredService<ITopologyProvider>();
        string team = fixture.KeyOnShard("s1", "gateway");
        using var parameters = JsonDocument.Parse($$"""{"t": "{{team}}"}""");
        var insert = preparer.Prepare("insert into activity_logs (team_id, user_id, action) values (@t, 1, 'gateway')", parameters.RootElement, StatementPurpose.Write);
        var shard = topology.Current.Route(team);
        var written = (await profiler.GetAsync(shard.Primary, insert, CancellationToken.None)).WrittenTables;
        Assert.NotEmpty(written);
        var before = new Dictionary<string, long>();
        foreach (string table in written)
        {
            before[table] = (await versions.ReadAsync(shard.Id, table)).Version.Version;
        }

        var limits = RequestLimits.Resolve(gateway.Options, null, null);
        var answer = await gateway.WriteAsync(new WriteRequest(team, [insert], IsolationLevel.ReadCommitted, null, limits.MaxRows, limits.TimeoutMs), CancellationToken.None);

        Assert.Equal(shard.Id, answer.Write.ShardId);
        Assert.Equal(answer.Write.CommitLsn, answer.Token.LsnFor(shard.Id));
        foreach (string table in written)
        {
            // This instance: at once, with the write's LSN (no read here may be served an entry older than the write).
            var local = versions.Known.Single(k => k.Shard == shard.Id && k.Table == table).Version;
            Assert.True(local.Version > before[table], $"{table}: local version {local.Version}, before {before[table]}");
            Assert.True(local.WriteLsn >= answer.Write.CommitLsn, $"{table}: local write LSN {local.WriteLsn} < commit {answer.Write.CommitLsn}");
            // Redis: already holds the bump every other instance's feed and fresh reads are told of.
            var (remote, trusted) = await versions.ReadAsync(shard.Id, table);
            Assert.True(trusted);
            Assert.True(remote.Version > before[table], $"{table}: Redis version {remote.Version}, before {before[table]}");
        }
    }
}
