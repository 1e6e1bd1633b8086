using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>
/// deploy/kubernetes validates against the Kubernetes OpenAPI schemas and the Prometheus Operator's CRD schemas
/// (kubernetes-models, run by node), and agrees with the server: its routes, ports, configuration keys and shutdown.
/// Validated here, never applied: there is no cluster on the development machines.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Dir = DeployTools.PathOf("deploy", "kubernetes");
    private static readonly string[] Kustomizations = [Dir, Path.Combine(Dir, "migrate"), Path.Combine(Dir, "monitoring")];

    [Fact]
    public async Task Every_object_validates_against_the_schemas()
    {
        var files = new List<string>();
        foreach (string dir in Kustomizations)
        {
            // Each kustomization lists every manifest of its folder but the examples of secrets made by hand.
            var resources = Strings((await DeployTools.ReadYamlObjectAsync(Path.Combine(dir, "kustomization.yaml")))["resources"]!);
            var manifests = Directory.GetFiles(dir, "*.yaml").Select(Path.GetFileName)
                .Where(f => f != "kustomization.yaml" && !f!.EndsWith(".example.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(manifests, resources.Order(StringComparer.Ordinal));
            files.AddRange(resources.Select(r => Path.Combine(dir, r)));
            files.AddRange(Directory.GetFiles(dir, "*.example.yaml"));
        }

        var (code, results, output) = await ValidateAsync(files);
        Assert.True(code == 0, output);
        Assert.All(results, r => Assert.Empty(r["errors"]!.AsArray()));
        Assert.Equal(
            ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job", "Namespace", "PodDisruptionBudget", "PrometheusRule", "Secret", "Secret", "Service", "ServiceMonitor"],
            results.Select(r => (string)r["kind"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_wrong_field_type_fails_validation()
    {
        // The validator is real: the HPA with a string for minReplicas, and the Deployment with a string for a port, fail.
        using var dir = DeployTools.NewTempDir();
        string hpa = await BrokenCopyAsync(dir, "hpa.yaml", "minReplicas: 3", "minReplicas: \"three\"");
        string deployment = await BrokenCopyAsync(dir, "deployment.yaml", "containerPort: 8080", "containerPort: [8080]");
        string service = Path.Combine(Dir, "service.yaml");

        var (code, results, output) = await ValidateAsync([hpa, deployment, service]);
        Assert.True(code == 1, output);
        Assert.Contains("minReplicas must be integer", output, StringComparison.Ordinal);
        Assert.Contains("containerPort must be integer", output, StringComparison.Ordinal);
        Assert.Empty(results.Single(r => (string)r["kind"]! == "Service")["errors"]!.AsArray());

        // And an object of a kind it has no schema for is an error too, not a pass.
        string unknown = Path.Combine(dir.Path, "unknown.yaml");
        await File.WriteAllTextAsync(unknown, "apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n");
        var (unknownCode, _, unknownOutput) = await ValidateAsync([unknown]);
        Assert.True(unknownCode == 1, unknownOutput);
        Assert.Contains("no schema for apiVersion example.com/v1", unknownOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hpa_scales_the_deployment_from_3_to_20_on_cpu_70_and_memory_80_percent()
    {
        var hpa = await ReadAsync("hpa.yaml");
        var spec = hpa["spec"]!;
        Assert.Equal("autoscaling/v2", (string)hpa["apiVersion"]!);
        Assert.Equal(3, (int)spec["minReplicas"]!);
        Assert.Equal(20, (int)spec["maxReplicas"]!);
        var targets = spec["metrics"]!.AsArray().ToDictionary(m => (string)m!["resource"]!["name"]!, m => m!["resource"]!["target"]!);
        Assert.Equal(["cpu", "memory"], targets.Keys.Order(StringComparer.Ordinal));
        Assert.All(targets.Values, t => Assert.Equal("Utilization", (string)t["type"]!));
        Assert.Equal(70, (int)targets["cpu"]["averageUtilization"]!);
        Assert.Equal(80, (int)targets["memory"]["averageUtilization"]!);

        var deployment = await ReadAsync("deployment.yaml");
        Assert.Equal("Deployment", (string)spec["scaleTargetRef"]!["kind"]!);
        Assert.Equal((string)deployment["metadata"]!["name"]!, (string)spec["scaleTargetRef"]!["name"]!);
        // The HPA owns the count; utilization is of the requests, so both must be set.
        Assert.Null(deployment["spec"]!["replicas"]);
        var requests = Container(deployment)["resources"]!["requests"]!;
        Assert.NotNull(requests["cpu"]);
        Assert.NotNull(requests["memory"]);

        // Up at once, down after 5 minutes and by a limited share per minute.
        var behavior = spec["behavior"]!;
        Assert.Equal(0, (int)behavior["scaleUp"]!["stabilizationWindowSeconds"]!);
        Assert.Equal(300, (int)behavior["scaleDown"]!["stabilizationWindowSeconds"]!);
        var down = Assert.Single(behavior["scaleDown"]!["policies"]!.AsArray())!;
        Assert.Equal("Percent", (string)down["type"]!);
        Assert.Equal(60, (int)down["periodSeconds"]!);
        Assert.InRange((int)down["value"]!, 1, 50);
    }

    [Fact]
    public async Task Probes_are_routes_the_server_maps_and_ports_are_those_it_listens_on()
    {
        var deployment = await ReadAsync("deployment.yaml");
        var container = Container(deployment);
        var routes = ServerHost.GetRoutes();
        Assert.Equal("/health/live", (string)container["livenessProbe"]!["httpGet"]!["path"]!);
        Assert.Equal("/health/ready", (string)container["readinessProbe"]!["httpGet"]!["path"]!);
        Assert.Equal("/health/live", (string)container["startupProbe"]!["httpGet"]!["path"]!);
        Assert.Contains("/health/live", routes);
        Assert.Contains("/health/ready", routes);
        Assert.Contains("/metrics", routes);

        var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
        var server = Dockerfile.Read(DeployTools.PathOf("src", "DataTier.Server", "Dockerfile"));
        Assert.Equal(new Uri(server.Env("ASPNETCORE_URLS")!.Replace("0.0.0.0", "host", StringComparison.Ordinal)).Port, ports["http"]);
        var env = await ConfigMapAsync();
        Assert.Equal(int.Parse(env["DataTier__Postgres__Port"], CultureInfo.InvariantCulture), ports["postgres"]);
        Assert.Equal("0.0.0.0", env["DataTier__Postgres__ListenAddress"]);
        foreach (string probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            Assert.Equal("http", (string)container[probe]!["httpGet"]!["port"]!);
        }

        // The Service sends each port to a named container port, and selects the Deployment's pods.
        var service = await ReadAsync("service.yaml");
        Assert.Equal(["http", "postgres"], service["spec"]!["ports"]!.AsArray().Select(p => (string)p!["targetPort"]!).Order(StringComparer.Ordinal));
        Assert.All(service["spec"]!["ports"]!.AsArray(), p => Assert.Contains((string)p!["targetPort"]!, ports.Keys));
        AssertSelects(service["spec"]!["selector"]!, deployment);
        AssertSelects((await ReadAsync("pdb.yaml"))["spec"]!["selector"]!["matchLabels"]!, deployment);
        Assert.Equal(["--config", "/etc/datatier/datatier.json"], Strings(container["args"]!));
        Assert.Equal("datatier-config", (string)deployment["spec"]!["template"]!["spec"]!["volumes"]![0]!["secret"]!["secretName"]!);
    }

    [Fact]
    public async Task Shutdown_drains_in_flight_requests_within_the_grace_period()
    {
        var deployment = await ReadAsync("deployment.yaml");
        var env = await ConfigMapAsync();
        int shutdown = int.Parse(env["DOTNET_shutdownTimeoutSeconds"], CultureInfo.InvariantCulture);
        // The host really takes it as its shutdown timeout: Kestrel gives requests in flight this long after SIGTERM.
        Assert.Equal(TimeSpan.FromSeconds(shutdown), ServerHost.ShutdownTimeout("DOTNET_shutdownTimeoutSeconds", env["DOTNET_shutdownTimeoutSeconds"]));
        Assert.True(shutdown * 1000 > new Core.Execution.DataApiOptions().MaxTimeoutMs, "the longest statement must finish before the host stops waiting");

        var preStop = Strings(Container(deployment)["lifecycle"]!["preStop"]!["exec"]!["command"]!);
        Assert.Equal("sleep", preStop[0]);
        int pause = int.Parse(preStop[1], CultureInfo.InvariantCulture);
        int grace = (int)deployment["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!;
        Assert.InRange(pause, 5, 30);
        Assert.True(grace > pause + shutdown, $"terminationGracePeriodSeconds {grace} must exceed the preStop pause {pause} + the shutdown timeout {shutdown}");
        Assert.Equal(0, (int)deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!);
    }

    [Fact]
    public async Task ConfigMap_and_secret_example_hold_the_servers_configuration_keys()
    {
        var env = await ConfigMapAsync();
        var keys = env.Where(e => e.Key.StartsWith("DataTier__", StringComparison.Ordinal))
            .ToDictionary(e => ServerConfigurationKeys.FromEnvironmentName(e.Key), e => (string?)e.Value, StringComparer.OrdinalIgnoreCase);
        Assert.NotEmpty(keys);
        Assert.Empty(ServerConfigurationKeys.Problems(keys));
        Assert.Equal(["DOTNET_USE_POLLING_FILE_WATCHER", "DOTNET_shutdownTimeoutSeconds"], env.Keys.Where(k => !k.StartsWith("DataTier__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // datatier.json in the Secret example: the same check on its flattened keys (what --config adds).
        var secret = await DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, "secret.example.yaml"));
        // Read as --config reads it: a JSON configuration file.
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes((string)secret["stringData"]!["datatier.json"]!));
        var flat = new ConfigurationBuilder().AddJsonStream(stream).Build().AsEnumerable()
            .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("DataTier:Topology:Shards:1:Replicas:0", flat.Keys);
        Assert.Empty(ServerConfigurationKeys.Problems(flat));
        Assert.Equal(32, Convert.FromBase64String(flat["DataTier:Tokens:SigningKey"]!).Length);
        Assert.All(flat.Where(k => k.Key.EndsWith(":Sha256", StringComparison.Ordinal)), k => Assert.Matches("^[0-9a-f]{64}$", k.Value));

        // The migration Job reads the two keys the migrate secret example has, and runs the script the CLI image installs.
        var job = await DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, "migrate", "job.yaml"));
        var jobContainer = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var migrateSecret = await DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, "migrate", "secret.example.yaml"));
        var refs = jobContainer["env"]!.AsArray().Where(e => e!["valueFrom"] is not null).Select(e => e!["valueFrom"]!["secretKeyRef"]!).ToList();
        Assert.All(refs, r => Assert.Equal((string)migrateSecret["metadata"]!["name"]!, (string)r["name"]!));
        Assert.Equal(migrateSecret["stringData"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal), refs.Select(r => (string)r["key"]!).Order(StringComparer.Ordinal));
        string script = Strings(jobContainer["command"]!)[0];
        Assert.Contains(Dockerfile.Read(DeployTools.PathOf("src", "DataTier.Cli", "Dockerfile")).ContextCopies,
            c => c.Destination == "/usr/local/bin/" && c.Sources.Any(s => "/usr/local/bin/" + Path.GetFileName(s) == script));
        Assert.All(((string)migrateSecret["stringData"]!["shards"]!).Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches("^s[0-9]+=Host=", line));
    }

    [Fact]
    public async Task PrometheusRule_carries_exactly_the_rules_of_alerts_yml()
    {
        var alerts = await DeployTools.ReadYamlObjectAsync(DeployTools.PathOf("deploy", "prometheus", "alerts.yml"));
        var rule = await DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, "monitoring", "prometheusrule.yaml"));
        Assert.True(JsonNode.DeepEquals(alerts["groups"], rule["spec"]!["groups"]),
            "deploy/kubernetes/monitoring/prometheusrule.yaml differs from deploy/prometheus/alerts.yml; regenerate it: node tests/tools/deploy/prometheusrule.mjs > deploy/kubernetes/monitoring/prometheusrule.yaml");
        // Not two empty lists: the rules are there (as many as alerts.yml holds, which DeepEquals has compared).
        Assert.True(rule["spec"]!["groups"]!.AsArray().Sum(g => g!["rules"]!.AsArray().Count) >= 12);

        // The generator writes the file as it is committed.
        var (code, stdout, stderr) = await DeployTools.NodeAsync("prometheusrule.mjs");
        Assert.True(code == 0, stderr);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Dir, "monitoring", "prometheusrule.yaml")), stdout);

        // And the comparison can fail: a changed threshold is a difference.
        var changed = JsonNode.Parse(rule["spec"]!["groups"]!.ToJsonString())!;
        changed[0]!["rules"]![0]!["for"] = "10m";
        Assert.False(JsonNode.DeepEquals(alerts["groups"], changed));
    }

    [Fact]
    public async Task ServiceMonitor_scrapes_metrics_of_the_service_as_job_datatier()
    {
        var monitor = await DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, "monitoring", "servicemonitor.yaml"));
        var service = await ReadAsync("service.yaml");
        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        Assert.Equal("/metrics", (string)endpoint["path"]!);
        Assert.Contains((string)endpoint["port"]!, service["spec"]!["ports"]!.AsArray().Select(p => (string)p!["name"]!));
        foreach (var (label, value) in monitor["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal((string)value!, (string)service["metadata"]!["labels"]![label]!);
        }

        // The operator names the job after the Service; DataTierScrapeDown matches it.
        string alerts = await File.ReadAllTextAsync(DeployTools.PathOf("deploy", "prometheus", "alerts.yml"));
        string job = Regex.Match(alerts, """up\{job="([^"]+)"\}""").Groups[1].Value;
        Assert.Equal(job, (string)service["metadata"]!["name"]!);
    }

    private static async Task<(int Code, List<JsonObject> Results, string Output)> ValidateAsync(IEnumerable<string> files)
    {
        var (code, stdout, stderr) = await DeployTools.NodeAsync("validate.mjs", [.. files]);
        var results = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        return (code, results, stdout + stderr);
    }

    private static async Task<string> BrokenCopyAsync(DeployTempDir dir, string file, string from, string to)
    {
        string text = await File.ReadAllTextAsync(Path.Combine(Dir, file));
        Assert.Contains(from, text, StringComparison.Ordinal);
        string path = Path.Combine(dir.Path, file);
        await File.WriteAllTextAsync(path, text.Replace(from, to, StringComparison.Ordinal));
        return path;
    }

    private static Task<JsonObject> ReadAsync(string file) => DeployTools.ReadYamlObjectAsync(Path.Combine(Dir, file));

    private static async Task<Dictionary<string, string>> ConfigMapAsync() =>
        (await ReadAsync("configmap.yaml"))["data"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);

    private static JsonNode Container(JsonObject deployment) => Assert.Single(deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!;

    private static void AssertSelects(JsonNode selector, JsonObject deployment)
    {
        var labels = deployment["spec"]!["template"]!["metadata"]!["labels"]!;
        Assert.NotEmpty(selector.AsObject());
        foreach (var (label, value) in selector.AsObject())
        {
            Assert.Equal((string)value!, (string)labels[label]!);
        }
    }

    private static List<string> Strings(JsonNode array) => array.AsArray().Select(n => (string)n!).ToList();
}
