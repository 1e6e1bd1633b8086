using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Diagnostics;

/// <summary>The alert rules, the example config and the dashboard are valid, and a real Prometheus scrapes DataTier.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PrometheusTests(ClusterFixture fixture)
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot(), "deploy");

    [Fact]
    public async Task Alert_rules_pass_promtool_check()
    {
        var (code, output) = await RunAsync(Tool("promtool"), $"check rules {Path.Combine(Deploy, "prometheus", "alerts.yml")}");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS: 8 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_rule_unit_tests_pass_and_a_wrong_expectation_fails()
    {
        string tests = Path.Combine(Deploy, "prometheus", "alerts.test.yml");
        var (code, output) = await RunAsync(Tool("promtool"), $"test rules {tests}");
        Assert.True(code == 0, output);

        // The unit tests can fail: the same file with one expected figure changed does.
        string dir = Directory.CreateTempSubdirectory("datatier-promtool-").FullName;
        try
        {
            File.Copy(Path.Combine(Deploy, "prometheus", "alerts.yml"), Path.Combine(dir, "alerts.yml"));
            await File.WriteAllTextAsync(Path.Combine(dir, "alerts.test.yml"), (await File.ReadAllTextAsync(tests)).Replace("4.762%", "5.5%", StringComparison.Ordinal));
            var (badCode, badOutput) = await RunAsync(Tool("promtool"), $"test rules {Path.Combine(dir, "alerts.test.yml")}");
            Assert.True(badCode != 0, badOutput);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Example_config_passes_promtool_check_and_the_dashboard_is_valid_json_over_datatier_series()
    {
        var (code, output) = await RunAsync(Tool("promtool"), $"check config {Path.Combine(Deploy, "prometheus", "prometheus.yml")}");
        Assert.True(code == 0, output);
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Deploy, "grafana", "datatier.json")))!;
        var exprs = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!).ToList();
        Assert.True(exprs.Count >= 12);
        Assert.All(exprs, e => Assert.True(e.Contains("datatier_", StringComparison.Ordinal) || e.Contains("http_request_duration_seconds", StringComparison.Ordinal), e));
    }

    [Fact]
    public async Task Prometheus_scrapes_datatier_and_serves_a_series_back()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        for (int i = 0; i < 5; i++)
        {
            await Api.OkAsync(app, "/v1/query", new { shardKey = "team-1", sql = "select 1 as one", @params = new { } });
        }

        string dir = Directory.CreateTempSubdirectory("datatier-prometheus-").FullName;
        int port = FreePort();
        string target = $"127.0.0.1:{server.BaseAddress.Port}";
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"),
            $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: datatier
                static_configs:
                  - targets: ["{target}"]
            """);
        var start = new ProcessStartInfo(Tool("prometheus"),
            $"--config.file={Path.Combine(dir, "prometheus.yml")} --storage.tsdb.path={Path.Combine(dir, "data")} --web.listen-address=127.0.0.1:{port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var prometheus = Process.Start(start)!;
        var log = prometheus.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            JsonNode? result = null;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(60) && result is null)
            {
                await Task.Delay(500);
                try
                {
                    var body = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/v1/query?query=datatier_node_up", UriKind.Relative)));
                    var series = body!["data"]!["result"]!.AsArray();
                    if (series.Count > 0)
                    {
                        result = body;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }

            Assert.True(result is not null, "Prometheus served no datatier_node_up series within 60 s");
            var all = result!["data"]!["result"]!.AsArray();
            Assert.All(all, s => Assert.Equal(target, (string)s!["metric"]!["instance"]!));
            Assert.All(all, s => Assert.Equal("datatier", (string)s!["metric"]!["job"]!));
            Assert.Equal(fixture.Manifest.Shards.Count * 2, all.Count);
            Assert.All(all, s => Assert.Equal("1", (string)s!["value"]![1]!));
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
            _ = await log;
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Tool(string name)
    {
        string path = Path.Combine("/usr/bin", name);
        Assert.True(File.Exists(path), $"{path} is missing: install the Debian package 'prometheus' (./datatier test does so as root).");
        return path;
    }

    private static async Task<(int Code, string Output)> RunAsync(string tool, string arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DataTier.sln not found above " + AppContext.BaseDirectory);
    }
}
