using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Reliability;

/// <summary>
/// A fuzz run: at least 10,000 generated hostile requests to every endpoint. Every answer is a 2xx or a 4xx
/// problem+json (never a 5xx), DataTier stays up, no table changes, and no secret appears in any answer, header,
/// log line or metric.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HostileInputTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] HostileSql =
    [
        "select 1; drop table tasks", "drop table tasks", "truncate tasks", "copy tasks to program 'id'", "copy (select 1) to '/tmp/x'",
        "set role postgres", "set session authorization postgres", "do $$ begin delete from tasks; end $$", "listen x", "notify x",
        "vacuum", "analyze tasks", "reset all", "discard all", "lock table tasks", "begin", "commit", "rollback", "savepoint a",
        "with x as (delete from tasks returning *) select * from x", "with x as (update teams set name = 'p' returning 1) select * from x",
        "select * into stolen from tasks", "select pg_terminate_backend(pg_backend_pid())", "select pg_read_file('/etc/passwd')",
        "select set_config('statement_timeout', '0', false)", "select pg_advisory_lock(1)", "select query_to_xml('delete from tasks', true, true, '')",
        "select 1 /* ; drop table tasks */; drop table tasks", "select $$;$$; drop table tasks", "select 'a'';drop table tasks;--'; delete from tasks",
        "select e'\\'; delete from tasks; --'", "select \"; drop table tasks\" from tasks", "-- only a comment", "", "   ", ";", ";;",
        "select * from tasks where team_id = $1", "select 'unterminated", "select /* unterminated", "selec * form tasks",
        "select * from no_such_table", "select 1/0", "select pg_sleep(1)", "delete from tasks", "update tasks set title = 'x'",
        "insert into teams (team_id, name) values ('team-1', 'dup')", "insert into teams (team_id, name) values (@t, @n)",
        "delete from tasks where team_id = @t", "merge into tasks using teams on true when matched then delete", "call p()",
        "explain analyze delete from tasks", "prepare p as delete from tasks", "execute p", "declare c cursor for select 1",
        "select U&\"pg\\005fterminate_backend\"(1)", "create table x (a int)", "alter table tasks drop column title", "grant all on tasks to public",
        "refresh materialized view x", "security label on table tasks is 'x'", "import foreign schema x from server y into z", "load 'x'", "checkpoint",
    ];

    // Statements that are legitimate writes where writes are allowed (/v1/execute, /v1/transaction with a data:write
    // key): the fuzz sends them only to read endpoints, so that "no table changed" stays a property of DataTier.
    private static readonly HashSet<string> LegitimateWrites =
    [
        "with x as (delete from tasks returning *) select * from x", "with x as (update teams set name = 'p' returning 1) select * from x",
        "delete from tasks", "update tasks set title = 'x'", "delete from tasks where team_id = @t",
        "insert into teams (team_id, name) values (@t, @n)", "insert into teams (team_id, name) values ('team-1', 'dup')",
    ];

    private static readonly string[] OddStrings =
    [
        "", " ", "\u0000", "\ud83d\ude00", "e\u0301", "\u202e", "\uffff", "日本語", new string('k', 5000), "team-1\u0000x", "'; drop table teams; --",
        "\t\r\n", "%", "_", "\\", "\"", "null", "{}", "[]", "\ufeff", "\u200b",
    ];

    [Fact]
    public async Task Ten_thousand_hostile_requests_get_4xx_problems_change_nothing_and_leak_no_secret()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:RateLimit:RequestsPerSecond"] = "0" });
        var keys = fixture.Manifest.Keys;
        using var app = server.CreateClient(keys.App);
        using var reader = server.CreateClient(keys.Reader);
        using var admin = server.CreateClient(keys.Admin);
        using var anonymous = server.CreateClient(null);
        using var forged = server.CreateClient("dt_admin_" + new string('0', 40));
        HttpClient[] clients = [app, reader, admin, anonymous, forged];
        var before = await fixture.DemoTableChecksumsAsync();

        var answers = new ConcurrentBag<(string What, HttpStatusCode Status, string Body, string Headers)>();
        int total = 10_000;
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var random = new Random(i);
            var (method, path, body, contentType) = Generate(random, i);
            var client = clients[random.Next(clients.Length)];
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                // A well-behaved client lets the server refuse a large body before sending it.
                request.Headers.ExpectContinue = body.Length > 64 * 1024;
            }

            using var response = await client.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            answers.Add(($"{method} {path} #{i} {(body is null || body.Length > 300 ? "" : Encoding.UTF8.GetString(body))}", response.StatusCode, text, response.Headers.ToString() + response.Content.Headers));
        });

        var serverErrors = answers.Where(a => (int)a.Status >= 500).Take(5).ToList();
        Assert.True(serverErrors.Count == 0, "5xx answers: " + string.Join("\n", serverErrors.Select(a => $"{a.What} -> {(int)a.Status} {a.Body[..Math.Min(300, a.Body.Length)]}")));
        var notProblems = answers.Where(a => (int)a.Status >= 400 && !IsProblem(a.Body)).Take(5).ToList();
        Assert.True(notProblems.Count == 0, "non-problem errors: " + string.Join("\n", notProblems.Select(a => $"{a.What} -> {(int)a.Status} {a.Body[..Math.Min(300, a.Body.Length)]}")));
        output.WriteLine($"{answers.Count} requests: " + string.Join(", ", answers.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));

        using var live = await anonymous.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(before, await fixture.DemoTableChecksumsAsync());

        string metrics = await anonymous.GetStringAsync("/metrics");
        var secrets = Secrets();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(answers, a => a.Body.Contains(secret, StringComparison.Ordinal) || a.Headers.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, metrics, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private static bool IsProblem(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("type", out var type) && type.GetString()!.StartsWith("https://datatier.dev/problems/", StringComparison.Ordinal)
                && doc.RootElement.TryGetProperty("status", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private IReadOnlyList<string> Secrets()
    {
        var m = fixture.Manifest;
        var list = new List<string> { m.Keys.Admin, m.Keys.App, m.Keys.Reader, m.TokenSigningKey, m.AdminPassword, m.Catalog, m.CatalogAdmin };
        foreach (var shard in m.Shards)
        {
            list.Add(shard.Primary);
            list.Add(shard.PrimaryAdmin);
            list.AddRange(shard.Replicas);
            list.Add(new NpgsqlConnectionStringBuilder(shard.Primary).Password!);
        }

        return list.Where(s => !string.IsNullOrEmpty(s)).Distinct().ToList();
    }

    private static (HttpMethod Method, string Path, byte[]? Body, string ContentType) Generate(Random random, int i)
    {
        string[] dataPaths = ["/v1/query", "/v1/execute", "/v1/transaction", "/v1/scatter", "/admin/cache/warmup", "/admin/cache/invalidate"];
        string sql = HostileSql[random.Next(HostileSql.Length)];
        string odd = OddStrings[random.Next(OddStrings.Length)];
        string path = dataPaths[random.Next(dataPaths.Length)];
        if (LegitimateWrites.Contains(sql) && path is "/v1/execute" or "/v1/transaction")
        {
            path = random.Next(2) == 0 ? "/v1/query" : "/v1/scatter";
        }
        switch (i % 16)
        {
            case 0:
                // Broken JSON.
                return (HttpMethod.Post, path, Encoding.UTF8.GetBytes(new[] { "{", "{\"sql\": ", "[1,2", "{\"shardKey\": \"a\",}", "nul", "\"x\"", "{\"sql\": \"\\ud800\"}", "{'a': 1}", "\u0000" }[random.Next(9)]), "application/json");
            case 1:
                // Deeply nested JSON.
                int depth = random.Next(40, 400);
                return (HttpMethod.Post, path, Encoding.UTF8.GetBytes("{\"shardKey\": \"team-1\", \"sql\": \"select 1\", \"params\": {\"p\": " + new string('[', depth) + new string(']', depth) + "}}"), "application/json");
            case 2:
                // Huge body (past the 1 MB limit) or a huge SQL text (past MaxSqlLength).
                return i % 64 == 2
                    ? (HttpMethod.Post, path, Encoding.UTF8.GetBytes("{\"sql\": \"" + new string('x', 1_200_000) + "\"}"), "application/json")
                    : (HttpMethod.Post, "/v1/query", Json(new { shardKey = "team-1", sql = "select '" + new string('y', 150_000) + "'" }), "application/json");
            case 3:
                // Wrong types.
                return (HttpMethod.Post, path, Encoding.UTF8.GetBytes(new[]
                {
                    "{\"shardKey\": 42, \"sql\": \"select 1\"}", "{\"shardKey\": \"team-1\", \"sql\": [\"select 1\"]}", "{\"shardKey\": \"team-1\", \"sql\": \"select 1\", \"maxRows\": \"many\"}",
                    "{\"shardKey\": \"team-1\", \"sql\": \"select 1\", \"timeoutMs\": 1.5}", "{\"statements\": \"select 1\", \"shardKey\": \"team-1\"}", "{\"all\": \"yes\"}",
                    "{\"shardKey\": \"team-1\", \"sql\": \"select @a\", \"params\": [1, 2]}", "{\"shardKey\": null, \"sql\": null}", "{\"orderBy\": {\"column\": 1}, \"sql\": \"select 1\"}",
                }[random.Next(9)]), "application/json");
            case 4:
                // Unknown and missing fields.
                return (HttpMethod.Post, path, Json(random.Next(3) switch
                {
                    0 => (object)new { shardKey = "team-1", sql = "select 1", parms = new { } },
                    1 => new { sql = "select 1" },
                    _ => new { },
                }), "application/json");
            case 5:
                // Unicode edge cases in keys, SQL and parameters.
                return (HttpMethod.Post, path, Json(new { shardKey = odd, sql = "select @p::text as v" + (random.Next(2) == 0 ? odd : ""), @params = new { p = odd } }), "application/json");
            case 6:
            case 7:
            case 8:
                // Multi-statement, DDL, utility statements and writes hidden in reads, on every data endpoint.
                return path switch
                {
                    "/v1/transaction" => (HttpMethod.Post, path, Json(new { shardKey = "team-7", statements = new object[] { new { sql = "select 1" }, new { sql } } }), "application/json"),
                    "/admin/cache/warmup" => (HttpMethod.Post, path, Json(new { statements = new[] { new { shardKey = "team-7", sql } } }), "application/json"),
                    "/admin/cache/invalidate" => (HttpMethod.Post, path, Json(new { shard = odd, table = sql }), "application/json"),
                    _ => (HttpMethod.Post, path, Json(new { shardKey = "team-7", sql, @params = new { t = "team-7", n = "x" } }), "application/json"),
                };
            case 9:
                // pg_sleep past limits: the timeout itself is out of range or malformed.
                return (HttpMethod.Post, "/v1/query", Encoding.UTF8.GetBytes($"{{\"shardKey\": \"team-1\", \"sql\": \"select pg_sleep(60)\", \"timeoutMs\": {new[] { "-1", "0", "\"ten\"", "1e99", "-9999999999", "2.5", "true" }[random.Next(7)]}}}"), "application/json");
            case 10:
                // Forged, corrupt and expired-looking tokens.
                return (HttpMethod.Post, random.Next(2) == 0 ? "/v1/query" : "/v1/scatter", Json(new { shardKey = "team-1", sql = "select 1 as one", consistency = "session", token = new[] { "x", "AAAA", new string('A', 200), "ey.JhbGciOi.JIUzI1NiJ9", odd, Convert.ToBase64String(new byte[64]) }[random.Next(6)] }), "application/json");
            case 11:
                // Bad enumerations and numbers.
                return (HttpMethod.Post, path, Json(new { shardKey = "team-1", sql = "select 1", consistency = odd, isolation = odd, cache = odd, maxRows = random.Next(2) == 0 ? -5 : 0, limit = -1 }), "application/json");
            case 12:
                // Wrong content type or empty body.
                return (HttpMethod.Post, path, random.Next(2) == 0 ? [] : Encoding.UTF8.GetBytes("shardKey=team-1&sql=select+1"), random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded");
            case 13:
                // Admin GET endpoints with odd query strings.
                string q = Uri.EscapeDataString(odd);
                return (HttpMethod.Get, new[] { $"/admin/topology/route?key={q}", "/admin/topology/route", $"/admin/db/slow-queries?sort={q}&limit=-1", $"/admin/db/slow-queries/{Uri.EscapeDataString(odd.Replace("\0", "", StringComparison.Ordinal))}x/plan", $"/admin/db/performance?history={q}", "/admin/cache/stats" }[random.Next(6)], null, "");
            case 14:
                // Wrong methods and unknown routes.
                return (new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch }[random.Next(4)], new[] { "/v1/query", "/v1/nothing", "/admin/topology", "/../etc/passwd", "/v1/query/../../admin" }[random.Next(5)], null, "");
            default:
                // Typed parameters with bad values.
                return (HttpMethod.Post, "/v1/query", Json(new { shardKey = "team-1", sql = "select @p as v", @params = new { p = new { value = odd, type = new[] { "uuid", "timestamptz", "jsonb", "numeric", "bytea", "int", "date", "nope", "uuid[]" }[random.Next(9)] } } }), "application/json");
        }
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
