using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using Prometheus;

namespace DataTier.IntegrationTests.Diagnostics;

/// <summary>
/// The deploy/ files hold: the alert rules and the example config pass promtool, the rule unit tests pass (and can
/// fail), the rules and the dashboard name only series DataTier exports, and a real Prometheus scrapes DataTier.
/// promtool and prometheus come from the Debian package 'prometheus'; without them these tests fail, never skip.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class PrometheusTests(ClusterFixture fixture)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] HistogramSuffixes = ["_bucket", "_count", "_sum"];
    private static readonly string Rules = DeployFiles.Rules;
    private static readonly string RuleTests = DeployFiles.RuleTests;
    private static readonly string Dashboard = DeployFiles.Dashboard;

    [Fact]
    public async Task Alert_rules_pass_promtool_check()
    {
        var (code, output) = await PromtoolAsync("check", "rules", Rules);
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 18 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_check_rejects_a_broken_rule_file()
    {
        // The check above can fail: the same rules with one expression cut short do.
        using var dir = new TempDirectory("datatier-promtool-");
        string broken = Path.Combine(dir.Path, "alerts.yml");
        string rules = await File.ReadAllTextAsync(Rules);
        const string Expr = "expr: datatier_node_up{role=\"primary\"} == 0";
        Assert.Contains(Expr, rules, StringComparison.Ordinal);
        await File.WriteAllTextAsync(broken, rules.Replace(Expr, "expr: datatier_node_up{role=\"primary\"} ==", StringComparison.Ordinal));

        var (code, output) = await PromtoolAsync("check", "rules", broken);
        Assert.True(code != 0, output);
        Assert.Contains("DataTierPrimaryDown", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rule_unit_tests_pass()
    {
        var (code, output) = await PromtoolAsync("test", "rules", RuleTests);
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rule_unit_tests_fail_on_a_wrong_expectation()
    {
        // The unit tests can fail: the same tests expecting another 5xx share do.
        using var dir = new TempDirectory("datatier-promtool-");
        File.Copy(Rules, Path.Combine(dir.Path, "alerts.yml"));
        string tests = await File.ReadAllTextAsync(RuleTests);
        Assert.Contains("4.762%", tests, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "alerts.test.yml"), tests.Replace("4.762%", "5.5%", StringComparison.Ordinal));

        var (code, output) = await PromtoolAsync("test", "rules", Path.Combine(dir.Path, "alerts.test.yml"));
        Assert.True(code != 0, output);
        Assert.Contains("DataTierHighErrorRate", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_config_passes_promtool_check()
    {
        // The example needs no credentials file: /metrics takes no API key. It loads alerts.yml next to it.
        var (code, output) = await PromtoolAsync("check", "config", DeployFiles.PrometheusConfig);
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_and_dashboard_name_only_exported_series_and_the_dashboard_is_valid_promql()
    {
        // Which data source the panels use is GrafanaProvisioningTests' business; here, what they query.
        var root = JsonNode.Parse(await File.ReadAllTextAsync(Dashboard))!;
        var panels = root["panels"]!.AsArray().Where(p => p!["targets"] is not null).ToList();
        var exprs = panels.SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!).ToList();
        Assert.True(exprs.Count >= 36, $"the dashboard has {exprs.Count} queries");
        var titles = panels.Select(p => (string)p!["title"]!).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["Rows copied and changes applied", "Write pauses", "Fenced-write retries", "Moves", "Invalidation feed age", "Redis connected"], StringComparer.Ordinal), titles);

        // Every series a rule or a panel names is one DataTier exports (a renamed metric would silence them).
        var exported = ExportedSeries();
        string rules = await File.ReadAllTextAsync(Rules);
        var referenced = exprs.Append(rules).SelectMany(e => SeriesName().Matches(e)).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["datatier_node_up", "datatier_rebalance_rows_copied_total", "datatier_rebalance_write_pause_seconds_bucket", "datatier_fenced_write_retries_total", "datatier_rebalance_moves_finished_total", "datatier_rebalance_move_last_progress_timestamp_seconds", "datatier_cache_redis_up", "datatier_cache_feed_age_seconds"], StringComparer.Ordinal), referenced);
        Assert.All(referenced, name => Assert.True(exported.Contains(name), $"'{name}' is not exported; exported: {string.Join(", ", exported.Order(StringComparer.Ordinal))}"));

        // Every panel query parses: promtool checks them as recording rules, Grafana's variables filled in.
        using var dir = new TempDirectory("datatier-dashboard-");
        var file = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.Count; i++)
        {
            string expr = exprs[i].Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal);
            file.Append("      - record: dashboard_query_").Append(i).Append("\n        expr: '").Append(expr.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }

        string path = Path.Combine(dir.Path, "dashboard.rules.yml");
        await File.WriteAllTextAsync(path, file.ToString());
        var (code, output) = await PromtoolAsync("check", "rules", path);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Prometheus_scrapes_datatier_and_serves_a_series_back()
    {
        string prometheusPath = Tool("prometheus");
        await using var server = await DataTierServer.StartAsync(fixture);
        using (var app = server.CreateClient(fixture.Manifest.Keys.App))
        {
            for (int i = 0; i < 5; i++)
            {
                await Api.OkAsync(app, "/v1/query", new { shardKey = $"team-{i + 1}", sql = "select 1 as one", @params = new { } });
            }
        }

        // /metrics takes no API key, so the scrape config needs no authorization block.
        using (var anonymous = server.CreateClient(apiKey: null))
        {
            using var metrics = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        }

        using var dir = new TempDirectory("datatier-prometheus-");
        int port = FreePort();
        string target = $"127.0.0.1:{server.BaseAddress.Port}";
        string config = Path.Combine(dir.Path, "prometheus.yml");
        await File.WriteAllTextAsync(config,
            $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: datatier
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """);
        var start = new ProcessStartInfo(prometheusPath)
        {
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.Path, "data")}", $"--web.listen-address=127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var log = new StringBuilder();
        using var prometheus = new Process { StartInfo = start };
        prometheus.OutputDataReceived += (_, e) => Append(log, e.Data);
        prometheus.ErrorDataReceived += (_, e) => Append(log, e.Data);
        Assert.True(prometheus.Start(), "prometheus did not start");
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            // One of DataTier's own gauges, and the request series the latency and 5xx alerts select by endpoint.
            const string NodeUp = "datatier_node_up";
            const string Requests = "http_request_duration_seconds_count{endpoint=\"/v1/query\",method=\"POST\",code=\"200\"}";
            // The heartbeat thread's gauge that DataTierRedisDown watches: the fixture's Redis is up.
            const string RedisUp = "datatier_cache_redis_up == 1";
            JsonArray? nodes = null;
            JsonArray? requests = null;
            JsonArray? redis = null;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(60) && (nodes is null || requests is null || redis is null))
            {
                Assert.False(prometheus.HasExited, $"prometheus exited with {(prometheus.HasExited ? prometheus.ExitCode : 0)}:\n{Snapshot(log)}");
                await Task.Delay(500);
                nodes ??= await QueryAsync(http, NodeUp);
                requests ??= await QueryAsync(http, Requests);
                redis ??= await QueryAsync(http, RedisUp);
            }

            if (nodes is null || requests is null || redis is null)
            {
                Assert.Fail($"Prometheus served no {(nodes is null ? NodeUp : requests is null ? Requests : RedisUp)} series within 60 s; its log:\n{Snapshot(log)}");
            }

            Assert.All(nodes.Concat(requests), s =>
            {
                Assert.Equal("datatier", (string?)s!["metric"]!["job"]);
                Assert.Equal(target, (string?)s["metric"]!["instance"]);
            });
            foreach (var shard in fixture.Manifest.Shards)
            {
                var series = nodes.Where(s => (string?)s!["metric"]!["shard"] == shard.Id).ToList();
                Assert.Equal(1 + shard.Replicas.Count, series.Count);
                Assert.Single(series, s => (string?)s!["metric"]!["role"] == "primary");
                Assert.All(series, s => Assert.Equal("1", (string?)s!["value"]![1]));
            }

            Assert.True(double.Parse((string)requests.Single()!["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture) >= 5, requests.ToJsonString());
        }
        finally
        {
            await StopAsync(prometheus);
        }
    }

    /// <summary>The instant-query result, or null while Prometheus is not up or has no sample yet.</summary>
    private static async Task<JsonArray?> QueryAsync(HttpClient http, string query)
    {
        try
        {
            var body = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative)));
            var result = body!["data"]!["result"]!.AsArray();
            return result.Count > 0 ? result : null;
        }
        catch (HttpRequestException)
        {
            return null; // Not listening yet.
        }
        catch (TaskCanceledException)
        {
            return null; // Starting up slowly; the caller's deadline bounds the wait.
        }
    }

    /// <summary>Series names the server exports: DataTier's collectors (a histogram as its three series) and prometheus-net's request histogram.</summary>
    private static HashSet<string> ExportedSeries()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        // The wire front end's metrics are internal to DataTier.Postgres, which the server loads.
        var wire = Activator.CreateInstance(System.Reflection.Assembly.Load("DataTier.Postgres").GetType("DataTier.Postgres.Diagnostics.WireMetrics", throwOnError: true)!, nonPublic: true)!;
        var collectors = new object[] { new DataTierMetrics(), new CacheMetrics(), wire }
            .SelectMany(m => m.GetType().GetProperties().Where(p => typeof(Collector).IsAssignableFrom(p.PropertyType)).Select(p => (Collector)p.GetValue(m)!));
        foreach (var collector in collectors)
        {
            if (collector is Histogram)
            {
                names.UnionWith(HistogramSuffixes.Select(suffix => collector.Name + suffix));
            }
            else
            {
                names.Add(collector.Name);
            }
        }

        names.UnionWith(HistogramSuffixes.Select(suffix => "http_request_duration_seconds" + suffix));
        return names;
    }

    [GeneratedRegex(@"\b(?:datatier_|http_request_)[a-z0-9_]+\b")]
    private static partial Regex SeriesName();

    private static async Task StopAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(wait.Token);
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static string Tool(string name)
    {
        string path = Path.Combine("/usr/bin", name);
        Assert.True(File.Exists(path), $"{path} is missing: install the Debian package 'prometheus' (apt-get install prometheus; ./datatier test does so as root).");
        return path;
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Tool("promtool")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process);
            Assert.Fail($"promtool {string.Join(' ', arguments)} ran past {ToolTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A directory under the temp path, deleted with everything in it on dispose.</summary>
    private sealed class TempDirectory(string prefix) : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
