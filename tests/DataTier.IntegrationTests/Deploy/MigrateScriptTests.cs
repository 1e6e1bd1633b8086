using DataTier.Core.Ring;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>
/// deploy/cli/datatier-migrate, the command of docker-compose's migrate service and of the Kubernetes Job, run as they run
/// it (sh, with its environment variables, the built CLI as `datatier`) against fresh databases on real PostgreSQL servers:
/// a cluster of its own (a catalog and 2 shard primaries, no replicas), so that the demo data load's statistics reset
/// touches no other test's servers.
/// </summary>
public sealed class MigrateScriptTests
{
    private const int Rows = 2_000;

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Migrates_catalog_and_shards_then_loads_the_demo_data_once_on_the_ring_shards()
    {
        using var dir = DeployTools.NewTempDir();
        // Like ClusterFixture's: PostgreSQL runs as the postgres user, who cannot enter a private temporary directory.
        string baseDir = Path.Combine(Path.GetTempPath(), "datatier-it-deploy-" + Guid.NewGuid().ToString("N")[..12]);
        await LocalCluster.UpAsync(new LocalClusterOptions
        {
            BaseDir = baseDir,
            Shards = 2,
            Replicas = 0,
            StartRedis = false,
            LoadDemoData = false,
            ServerDllPath = null,
            Log = TextWriter.Null,
        });
        try
        {
            var nodes = LocalCluster.Attach(baseDir).Nodes;
            // Databases as sql/roles.sql leaves them: owned by datatier_admin, nothing migrated yet.
            string database = "compose_" + Guid.NewGuid().ToString("N")[..8];
            foreach (var node in nodes)
            {
                await Db.ExecuteAsync(node.SuperuserConnectionString, $"CREATE DATABASE {database} OWNER {LocalCluster.AdminRole}");
                await LocalCluster.GrantAppRoleAsync(new NpgsqlConnectionStringBuilder(node.SuperuserConnectionString) { Database = database }.ConnectionString);
            }

            string Admin(ClusterNode node) => new NpgsqlConnectionStringBuilder(node.AdminConnectionString) { Database = database }.ConnectionString;
            var catalog = nodes.Single(n => n.ShardId is null);
            var primaries = nodes.Where(n => n.Role == ClusterNodeRole.Primary).OrderBy(n => n.ShardId, StringComparer.Ordinal).ToList();
            var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
            string wrapper = Path.Combine(bin, "datatier");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet \"{CliRunner.BuiltDll("DataTier.Cli", "datatier.dll")}\" \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var environment = new Dictionary<string, string>
            {
                ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH"),
                ["MIGRATE_CATALOG"] = Admin(catalog),
                // As docker-compose passes it: one ID=CONNECTION line per shard, ending in a newline.
                ["MIGRATE_SHARDS"] = string.Concat(primaries.Select(p => $"{p.ShardId}={Admin(p)}\n")),
                ["DATATIER_DEMO_ROWS"] = Rows.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DATATIER_ADVICE_DIR"] = Directory.CreateDirectory(Path.Combine(dir.Path, "advice")).FullName,
            };
            string script = DeployTools.PathOf("deploy", "cli", "datatier-migrate");

            var (code, stdout, stderr) = await DeployTools.RunAsync("/bin/sh", [script], environment: environment);
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("applied", stdout, StringComparison.Ordinal);
            Assert.Contains($"demo data: {LocalCluster.DemoTeamCount(Rows)} teams loaded", stdout, StringComparison.Ordinal);

            // Each team sits on the shard a server configured with s1 and s2 at weight 1 routes it to.
            var ring = HashRing.Create(primaries.Select(p => new RingMember(p.ShardId!, 1)));
            int teams = 0;
            foreach (var primary in primaries)
            {
                var onShard = await Db.StringsAsync(Admin(primary), "select team_id from teams");
                Assert.NotEmpty(onShard);
                Assert.All(onShard, t => Assert.Equal(primary.ShardId, ring.GetShard(t)));
                teams += onShard.Count;
            }

            Assert.Equal(LocalCluster.DemoTeamCount(Rows), teams);

            // Run again (a restarted compose): nothing is migrated or loaded twice.
            var (again, stdout2, stderr2) = await DeployTools.RunAsync("/bin/sh", [script], environment: environment);
            Assert.True(again == 0, stdout2 + stderr2);
            Assert.Contains("up to date", stdout2, StringComparison.Ordinal);
            Assert.DoesNotContain("applied", stdout2, StringComparison.Ordinal);
            Assert.Contains("nothing loaded", stdout2, StringComparison.Ordinal);

            // A malformed MIGRATE_SHARDS line (no id) stops it before anything is migrated, without printing the password.
            var bad = new Dictionary<string, string>(environment) { ["MIGRATE_SHARDS"] = "s1 " + Admin(primaries[0]) };
            var (badCode, _, badStderr) = await DeployTools.RunAsync("/bin/sh", [script], environment: bad);
            Assert.Equal(2, badCode);
            Assert.Contains("lines are ID=CONNECTION", badStderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Password", badStderr, StringComparison.Ordinal);
            Assert.DoesNotContain("catalog", badStderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await LocalCluster.DownAsync(baseDir);
            if (Directory.Exists(baseDir))
            {
                Directory.Delete(baseDir, recursive: true);
            }
        }
    }
}
