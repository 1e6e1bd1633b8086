using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Reliability;

[Collection(ClusterCollection.Name)]
public sealed class SecurityTests(ClusterFixture fixture)
{
    private static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static void WriteKeys(string path, params (string Name, string Key, string[] Scopes)[] keys)
    {
        var array = new JsonArray(keys.Select(k => (JsonNode)new JsonObject
        {
            ["Name"] = k.Name,
            ["Sha256"] = Sha256(k.Key),
            ["Scopes"] = new JsonArray(k.Scopes.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
        }).ToArray());
        File.WriteAllText(path, new JsonObject { ["DataTier"] = new JsonObject { ["Auth"] = new JsonObject { ["Keys"] = array } } }.ToJsonString());
    }

    [Fact]
    public async Task Api_keys_rotate_without_a_restart()
    {
        string dir = Directory.CreateTempSubdirectory("datatier-keys-").FullName;
        string path = Path.Combine(dir, "datatier.json");
        string oldKey = "dt_app_old_" + Guid.NewGuid().ToString("N"), newKey = "dt_app_new_" + Guid.NewGuid().ToString("N");
        WriteKeys(path, ("app", oldKey, ["data:read"]));
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture, configFile: path);
            using var oldClient = server.CreateClient(oldKey);
            using var newClient = server.CreateClient(newKey);
            var query = new { shardKey = "team-1", sql = "select 1 as one" };
            Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync(oldClient, "/v1/query", query)).Status);
            Api.AssertProblem(await Api.PostAsync(newClient, "/v1/query", query), HttpStatusCode.Unauthorized, "unauthorized");

            WriteKeys(path, ("app", newKey, ["data:read"]));
            var deadline = DateTime.UtcNow.AddSeconds(15);
            HttpStatusCode status = HttpStatusCode.Unauthorized;
            while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                status = (await Api.PostAsync(newClient, "/v1/query", query)).Status;
            }

            Assert.Equal(HttpStatusCode.OK, status);
            Api.AssertProblem(await Api.PostAsync(oldClient, "/v1/query", query), HttpStatusCode.Unauthorized, "unauthorized");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Admin_endpoints_refuse_data_keys()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        foreach (var key in new[] { fixture.Manifest.Keys.App, fixture.Manifest.Keys.Reader })
        {
            using var client = server.CreateClient(key);
            foreach (var path in new[] { "/admin/topology", "/admin/topology/route?key=a", "/admin/cache/stats", "/admin/db/slow-queries", "/admin/db/performance" })
            {
                Api.AssertProblem(await Api.GetAsync(client, path), HttpStatusCode.Forbidden, "forbidden");
            }

            Api.AssertProblem(await Api.PostAsync(client, "/admin/cache/invalidate", new { all = true }), HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:RateLimit:RequestsPerSecond"] = "10", ["DataTier:RateLimit:Burst"] = "5" });
        using var client = server.CreateClient(fixture.Manifest.Keys.Reader);
        var answers = new List<HttpResponseMessage>();
        for (int i = 0; i < 20; i++)
        {
            answers.Add(await client.PostAsync("/v1/query", System.Net.Http.Json.JsonContent.Create(new { shardKey = "team-1", sql = "select 1 as one" })));
        }

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.NotNull(r.Headers.RetryAfter));
        Assert.Contains("https://datatier.dev/problems/rate-limited", await limited[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var health = await server.CreateClient(null).GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        answers.ForEach(a => a.Dispose());
    }
}
