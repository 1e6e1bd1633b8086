using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Server;

/// <summary>
/// The CLI end to end: 'datatier dev up --json' starts its own cluster and server process, the server is ready within
/// 60 s of the command's start, the topology is guarded by scopes, and 'dev down' leaves no process running.
/// Uses the CLI and server builds of this test run (no extra build), with a small data set.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DevUpCommandTests
{
    [Fact]
    public async Task Dev_up_serves_ready_topology_within_60_seconds_dev_shard_add_and_remove_move_rows_and_dev_down_stops_everything()
    {
        string dir = Path.Combine(Path.GetTempPath(), "datatier-cli-" + Guid.NewGuid().ToString("N")[..10]);
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string server = CliRunner.BuiltDll("DataTier.Server", "DataTier.Server.dll");
        var clock = Stopwatch.StartNew();
        try
        {
            var (code, stdout, stderr) = await CliRunner.RunAsync(cli, $"dev up --json --rows 2000 --dir {dir} --server-dll {server}", TimeSpan.FromSeconds(120));
            Assert.True(code == 0, $"dev up exited {code}: {stderr}");
            var manifest = JsonNode.Parse(stdout)!;
            string baseUrl = (string)manifest["baseUrl"]!;
            Assert.StartsWith("http://127.0.0.1:", baseUrl, StringComparison.Ordinal);
            Assert.Equal(2, manifest["shards"]!.AsArray().Count);
            Assert.All(manifest["shards"]!.AsArray(), s => Assert.Single(s!["replicas"]!.AsArray()));
            Assert.False(string.IsNullOrEmpty((string?)manifest["catalog"]));
            Assert.NotNull(manifest["keys"]!["admin"]);

            using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"ready after {clock.Elapsed.TotalSeconds:F1} s");

            using var admin = new HttpClient { BaseAddress = new Uri(baseUrl) };
            admin.DefaultRequestHeaders.Authorization = new("Bearer", (string)manifest["keys"]!["admin"]!);
            var (status, topology) = await Api.GetAsync(admin, "/admin/topology");
            Assert.Equal(HttpStatusCode.OK, status);
            var shards = topology!["shards"]!.AsArray();
            Assert.Equal(2, shards.Count);
            Assert.All(shards, s =>
            {
                Assert.True((bool)s!["primary"]!["reachable"]!);
                var replicas = s["replicas"]!.AsArray();
                Assert.Single(replicas);
                Assert.True((bool)replicas[0]!["reachable"]!);
            });
            Assert.DoesNotContain("Password", topology.ToJsonString(), StringComparison.OrdinalIgnoreCase);

            using var reader = new HttpClient { BaseAddress = new Uri(baseUrl) };
            reader.DefaultRequestHeaders.Authorization = new("Bearer", (string)manifest["keys"]!["reader"]!);
            Api.AssertProblem(await Api.GetAsync(reader, "/admin/topology"), HttpStatusCode.Forbidden, "forbidden");
            Api.AssertProblem(await Api.GetAsync(http, "/admin/topology"), HttpStatusCode.Unauthorized, "unauthorized");

            // The README's online rebalancing on the dev cluster: one more local shard, rows moved to it, and back.
            var before = ReadPids(dir);
            var add = await CliRunner.RunAsync(cli, $"dev shard add --dir {dir}", TimeSpan.FromSeconds(120));
            Assert.True(add.Code == 0, $"dev shard add exited {add.Code}: {add.Stderr}");
            var added = ReadPids(dir).Except(before).ToList();
            Assert.NotEmpty(added);
            var run = await CliRunner.RunAsync(cli, $"rebalance run --dir {dir}", TimeSpan.FromSeconds(120));
            Assert.True(run.Code == 0, $"rebalance run exited {run.Code}: {run.Stderr}");
            Assert.Equal("done", (string?)JsonNode.Parse(run.Stdout)!["state"]);
            Assert.Equal(3, (await Api.GetAsync(admin, "/admin/topology")).Body!["shards"]!.AsArray().Count);
            var remove = await CliRunner.RunAsync(cli, $"dev shard remove s3 --dir {dir}", TimeSpan.FromSeconds(180));
            Assert.True(remove.Code == 0, $"dev shard remove exited {remove.Code}: {remove.Stderr}");
            Assert.Equal(2, (await Api.GetAsync(admin, "/admin/topology")).Body!["shards"]!.AsArray().Count);
            Assert.All(added, pid => Assert.False(IsAlive(pid), $"process {pid} of the removed shard still runs"));

            var pids = ReadPids(dir);
            Assert.NotEmpty(pids);
            var (downCode, _, downErr) = await CliRunner.RunAsync(cli, $"dev down --dir {dir}", TimeSpan.FromSeconds(60));
            Assert.True(downCode == 0, $"dev down exited {downCode}: {downErr}");
            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"process {pid} still runs after dev down"));
        }
        finally
        {
            await CliRunner.RunAsync(cli, $"dev down --dir {dir}", TimeSpan.FromSeconds(60));
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    // The CLI and server as this test run built them, each in its own output folder.

    private static List<int> ReadPids(string dir)
    {
        // Every process the cluster started is recorded with its "pid" in the state file.
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "cluster.json")))!;
        var pids = new List<int>();
        Collect(state, pids);
        return pids.Where(p => p > 0).Distinct().ToList();
    }

    private static void Collect(JsonNode? node, List<int> pids)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (name.Equals("pid", StringComparison.OrdinalIgnoreCase) && value is JsonValue v && v.TryGetValue(out int pid))
                    {
                        pids.Add(pid);
                    }
                    else
                    {
                        Collect(value, pids);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, pids);
                }

                break;
        }
    }

    private static bool IsAlive(int pid)
    {
        // A zombie or reused pid would show in /proc; a stopped process has no /proc entry or is a zombie ('Z').
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            string text = File.ReadAllText(stat);
            int close = text.LastIndexOf(')');
            return close > 0 && text.Length > close + 2 && text[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
