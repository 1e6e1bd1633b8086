using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.OpenApi;

/// <summary>
/// /openapi/v1.json passes a real OpenAPI validator (@apidevtools/swagger-parser, which also rejects a broken copy),
/// describes every endpoint the server maps, and a TypeScript client generated from it (openapi-typescript +
/// openapi-fetch, compiled by tsc) makes a routed read against the cluster. The reference page needs no other host.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class OpenApiDocumentTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_document_passes_swagger_parser_validation_and_describes_every_endpoint()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var anonymous = server.CreateClient(null);
        string json = await anonymous.GetStringAsync("/openapi/v1.json");
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "openapi.json");
        await File.WriteAllTextAsync(file, json);

        await NodeTools.EnsureInstalledAsync();
        var (code, stdout, stderr) = await NodeTools.NodeAsync("validate.mjs", file);
        Assert.True(code == 0, stdout + stderr);
        Assert.StartsWith("valid 3.1.", stdout, StringComparison.Ordinal);

        var document = JsonNode.Parse(json)!;
        var paths = document["paths"]!.AsObject();
        // Every route the server maps is in the document, but those excluded from it on purpose (the document itself,
        // the reference page's files).
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Select(p => RouteConstraint().Replace(p.TrimEnd('/'), "{$1}"))
            .Select(p => p.Length == 0 ? "/" : p)
            .Where(p => !p.StartsWith("/openapi", StringComparison.Ordinal) && !p.StartsWith("/reference", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.True(routes.Count > 30, $"only {routes.Count} routes: {string.Join(", ", routes)}");
        var described = paths.Select(p => p.Key.TrimEnd('/')).Select(p => p.Length == 0 ? "/" : p).ToHashSet(StringComparer.Ordinal);
        var missing = routes.Where(r => !described.Contains(r)).ToList();
        Assert.True(missing.Count == 0, $"not in the document: {string.Join(", ", missing)}");

        // The data API: request and answer schemas, the key's scope, and problem answers whose codes link to their pages.
        var query = paths["/v1/query"]!["post"]!;
        Assert.Equal("#/components/schemas/QueryRequest", (string?)query["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("#/components/schemas/QueryAnswer", (string?)query["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        Assert.Equal("data:read", (string?)query["security"]![0]!["bearer"]![0]);
        Assert.Equal("data:read", (string?)query["security"]![1]!["apiKey"]![0]);
        foreach (string status in new[] { "400", "401", "403", "422", "503", "504" })
        {
            Assert.NotNull(query["responses"]![status]!["content"]!["application/problem+json"]);
        }

        Assert.Contains("[missing-parameter](/problems/missing-parameter)", (string?)query["responses"]!["400"]!["description"], StringComparison.Ordinal);
        Assert.Contains("[unauthorized](/problems/unauthorized)", (string?)query["responses"]!["401"]!["description"], StringComparison.Ordinal);
        var execute = paths["/v1/execute"]!["post"]!;
        Assert.Equal("data:write", (string?)execute["security"]![0]!["bearer"]![0]);
        Assert.Contains(execute["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key" && (string?)p["in"] == "header");
        Assert.Contains("[wrong-shard](/problems/wrong-shard)", (string?)execute["responses"]!["409"]!["description"], StringComparison.Ordinal);
        Assert.Equal("admin", (string?)paths["/admin/topology"]!["get"]!["security"]![0]!["bearer"]![0]);
        Assert.Null(paths["/health/ready"]!["get"]!["security"]);
        var schemes = document["components"]!["securitySchemes"]!;
        Assert.Equal("bearer", (string?)schemes["bearer"]!["scheme"]);
        Assert.Equal("X-Api-Key", (string?)schemes["apiKey"]!["name"]);
        Assert.Equal("header", (string?)schemes["apiKey"]!["in"]);
        // Every operation has an id and a summary, so generated clients and the reference page name them.
        foreach (var (path, item) in paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                Assert.False(string.IsNullOrEmpty((string?)operation!["operationId"]), $"{method} {path} has no operationId");
                Assert.False(string.IsNullOrEmpty((string?)operation["summary"]), $"{method} {path} has no summary");
            }
        }
    }

    [Fact]
    public async Task A_corrupted_copy_of_the_document_fails_validation()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var anonymous = server.CreateClient(null);
        var document = JsonNode.Parse(await anonymous.GetStringAsync("/openapi/v1.json"))!;
        using var dir = new TempDirectory();

        // An operation whose responses are a string, and a $ref to a schema that does not exist: each is refused.
        var wrongShape = document.DeepClone();
        wrongShape["paths"]!["/v1/query"]!["post"]!["responses"] = "none";
        var danglingRef = document.DeepClone();
        danglingRef["paths"]!["/v1/query"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/NoSuchSchema" };
        await NodeTools.EnsureInstalledAsync();
        foreach (var (name, broken) in new[] { ("wrong-shape", wrongShape), ("dangling-ref", danglingRef) })
        {
            string file = Path.Combine(dir.Path, name + ".json");
            await File.WriteAllTextAsync(file, broken.ToJsonString());
            var (code, stdout, stderr) = await NodeTools.NodeAsync("validate.mjs", file);
            Assert.True(code == 1, $"{name}: exit {code}: {stdout}{stderr}");
            Assert.Contains("invalid:", stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_typescript_client_generated_from_the_document_compiles_and_reads_rows_routed_to_their_shard()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var anonymous = server.CreateClient(null);
        using var dir = new TempDirectory();
        string file = Path.Combine(dir.Path, "openapi.json");
        await File.WriteAllTextAsync(file, await anonymous.GetStringAsync("/openapi/v1.json"));
        await NodeTools.EnsureInstalledAsync();

        // Types generated from the live document, a client compiled against them (strict tsc), then run.
        string generated = Path.Combine(NodeTools.Directory, "generated", "datatier.ts");
        var (code, stdout, stderr) = await NodeTools.BinAsync("openapi-typescript", file, "--output", generated);
        Assert.True(code == 0, stdout + stderr);
        // Strict, and noEmitOnError: a type error fails here and leaves no JavaScript to run.
        (code, stdout, stderr) = await NodeTools.BinAsync("tsc", "-p", "tsconfig.json");
        Assert.True(code == 0, "tsc: " + stdout + stderr);

        const string team = "team-3";
        (code, stdout, stderr) = await NodeTools.NodeAsync(Path.Combine("dist", "client.js"), file, server.BaseAddress.ToString().TrimEnd('/'), fixture.Manifest.Keys.App, team);
        Assert.True(code == 0, stdout + stderr);
        var printed = JsonNode.Parse(stdout)!;

        // The rows the shard that owns the key holds, read straight from its primary.
        string shard = fixture.Ring.GetShard(team);
        var names = await Db.StringsAsync(fixture.Shard(shard).Primary, $"select name from teams where team_id = '{team}'");
        Assert.Single(names);
        Assert.Equal(200, (int?)printed["status"]);
        Assert.Equal(shard, (string?)printed["shard"]);
        Assert.Equal(1, (int?)printed["rowCount"]);
        Assert.Equal(team, (string?)printed["rows"]![0]!["team_id"]);
        Assert.Equal(names[0], (string?)printed["rows"]![0]!["name"]);
        Assert.True(printed["answerSchemaErrors"]!.AsArray().Count == 0, printed["answerSchemaErrors"]!.ToJsonString());

        // The other endpoints' answers match their schemas too: the write and the transaction's two statements each
        // touched the team's row, and the scatter read counted every shard's teams.
        foreach (var (path, errors) in printed["schemaErrors"]!.AsObject())
        {
            Assert.True(errors!.AsArray().Count == 0, $"{path}: {errors.ToJsonString()}");
        }

        Assert.Equal(3, printed["schemaErrors"]!.AsObject().Count);
        Assert.Equal(1, (int?)printed["rowsAffected"]);
        Assert.Equal("[1,1]", printed["transactionRowsAffected"]!.ToJsonString());
        Assert.True((bool?)printed["tokenIssued"]);
        Assert.Equal(fixture.Manifest.Shards.Select(s => s.Id).Order(StringComparer.Ordinal), printed["scatterShards"]!.AsArray().Select(n => (string)n!));
        long teams = 0;
        foreach (var s in fixture.Manifest.Shards)
        {
            teams += await Db.ScalarAsync<long>(s.Primary, "select count(*) from teams");
        }

        Assert.Equal(teams, (long?)printed["scatterTeams"]);

        // The refused read: a problem that matches its schema, whose type's page this server serves.
        Assert.Equal(400, (int?)printed["problemStatus"]);
        Assert.Equal("https://datatier.dev/problems/missing-parameter", (string?)printed["problemType"]);
        Assert.True(printed["problemSchemaErrors"]!.AsArray().Count == 0, printed["problemSchemaErrors"]!.ToJsonString());
        using var page = await anonymous.GetAsync("/problems/missing-parameter");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("missing-parameter", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_page_loads_its_script_from_the_app_and_names_no_other_host()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var anonymous = server.CreateClient(null);
        using var response = await anonymous.GetAsync("/reference");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();

        // No absolute URL at all (no CDN, font host, telemetry or proxy), and the script it loads is served here.
        var absolute = AbsoluteUrl().Matches(html).Select(m => m.Value).ToList();
        Assert.True(absolute.Count == 0, "the page names other hosts: " + string.Join(", ", absolute));
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        long largest = 0;
        foreach (string src in scripts)
        {
            using var script = await anonymous.GetAsync(new Uri(response.RequestMessage!.RequestUri!, src));
            Assert.True(script.StatusCode == HttpStatusCode.OK, $"{src}: {(int)script.StatusCode}");
            Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
            largest = Math.Max(largest, (await script.Content.ReadAsByteArrayAsync()).Length);
        }

        // One of them is the reference's own bundle (megabytes), not a loader that would fetch it from elsewhere.
        Assert.True(largest > 500_000, $"the largest script ({string.Join(", ", scripts)}) is {largest} bytes: not the reference bundle");

        // The document it renders: this app's /openapi/v1.json (the page resolves the URL against its own base path).
        Assert.Contains("\"url\":\"openapi/v1.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reference_page_renders_in_chromium_and_requests_nothing_from_another_host()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var dir = new TempDirectory();
        string netLog = Path.Combine(dir.Path, "netlog.json");
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} is missing: install the Debian package 'chromium' (./datatier test does so as root).");

        // Every host but the server's resolves to nothing, so no request can leave the machine; the net log records
        // each one the page tried all the same. Chromium's own background traffic is switched off.
        var (code, dom, stderr) = await Infrastructure.PostgresTools.RunAsync(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--user-data-dir=" + Path.Combine(dir.Path, "profile"), "--log-net-log=" + netLog, "--virtual-time-budget=20000",
            "--dump-dom", new Uri(server.BaseAddress, "/reference/").ToString(),
        ], TimeSpan.FromSeconds(90));
        Assert.True(code == 0, stderr);

        // Rendered from the document: its description and an operation's summary are on the page.
        Assert.Contains("sharded PostgreSQL: routed reads and writes", dom, StringComparison.Ordinal);
        Assert.Contains("Liveness: the process serves HTTP", dom, StringComparison.Ordinal);
        var urls = NetLogUrl().Matches(await File.ReadAllTextAsync(netLog)).Select(m => new Uri(m.Groups[1].Value)).ToList();
        Assert.Contains(urls, u => u.AbsolutePath == "/reference/scalar.js");
        Assert.Contains(urls, u => u.AbsolutePath == "/openapi/v1.json");
        // Headless Chromium still asks its own Google services (component updates, accounts) whatever the flags;
        // those are the browser's, not the page's, and resolve to nothing here. Anything else is the page's.
        var hosts = urls.Select(u => u.Host).Where(h => !h.EndsWith(".google.com", StringComparison.Ordinal) && !h.EndsWith(".googleapis.com", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(hosts.All(h => h == "127.0.0.1"), "the page requested other hosts: " + string.Join(", ", hosts));
    }

    [GeneratedRegex(@"""url"":""(https?://[^""]+)""")]
    private static partial Regex NetLogUrl();

    [GeneratedRegex(@"\{\**([A-Za-z]+)[^}]*\}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex(@"(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^""'\s)]*")]
    private static partial Regex AbsoluteUrl();

    [GeneratedRegex(@"<script[^>]*\ssrc=""([^""]+)""")]
    private static partial Regex ScriptSource();

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("datatier-openapi-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
