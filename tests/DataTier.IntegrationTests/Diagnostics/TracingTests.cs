using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DataTier.Core.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace DataTier.IntegrationTests.Diagnostics;

[Collection(ClusterCollection.Name)]
public sealed class TracingTests(ClusterFixture fixture)
{
    private static readonly Dictionary<string, string?> TracingOn = new() { ["DataTier:Tracing:Enabled"] = "true" };

    [Fact]
    public async Task A_cache_missing_read_is_one_trace_of_the_request_its_route_the_cache_lookup_and_the_shard_query_on_its_node()
    {
        var exported = new List<Activity>();
        // The exporter joins the tracer provider the server registers, as any exporter of an operator's own would.
        await using var server = await DataTierServer.StartAsync(fixture, TracingOn, configure: s => s.ConfigureOpenTelemetryTracerProvider(b => b.AddInMemoryExporter(exported)));
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var trace = ActivityTraceId.CreateRandom();
        // A statement no test has run: its first read misses the cache and fills it from the shard.
        string marker = "trace_" + Guid.NewGuid().ToString("N")[..8];
        var answer = await QueryAsync(app, trace, new { shardKey = "team-3", sql = $"select name as {marker} from teams where team_id = @t", @params = new { t = "team-3" } });
        Assert.Null(answer["cache"]);

        var spans = await SpansOfAsync(exported, trace, s => s.Any(a => a.Source.Name == "Microsoft.AspNetCore"));
        var http = spans.Single(a => a.Source.Name == "Microsoft.AspNetCore");
        var read = spans.Single(a => a.OperationName == DataTierTracing.Spans.Read);
        var lookup = spans.Single(a => a.OperationName == DataTierTracing.Spans.CacheLookup);
        var query = spans.Single(a => a.OperationName == DataTierTracing.Spans.ShardQuery);

        Assert.Equal(http.SpanId, read.ParentSpanId);
        Assert.Equal((string)answer["shard"]!, read.GetTagItem(DataTierTracing.Tags.ShardId));
        Assert.Equal(DataTierTracing.CacheOutcomes.Miss, read.GetTagItem(DataTierTracing.Tags.CacheOutcome));
        Assert.Equal(read.SpanId, lookup.ParentSpanId);
        Assert.Equal(DataTierTracing.CacheOutcomes.Miss, lookup.GetTagItem(DataTierTracing.Tags.CacheOutcome));
        Assert.Equal(read.SpanId, query.ParentSpanId);
        Assert.Equal(ActivityKind.Client, query.Kind);
        Assert.Equal((string)answer["node"]!, query.GetTagItem(DataTierTracing.Tags.NodeId));
        Assert.Equal((string)answer["shard"]!, query.GetTagItem(DataTierTracing.Tags.ShardId));
        Assert.Contains(marker, (string)query.GetTagItem(DataTierTracing.Tags.DbQueryText)!, StringComparison.Ordinal);
        // Npgsql's own span for the round trip sits under the shard query.
        Assert.Contains(spans, a => a.Source.Name == "Npgsql" && a.ParentSpanId == query.SpanId);
        // Neither the shard key nor the parameter's value is in any of DataTier's tags.
        Assert.DoesNotContain(spans.Where(a => a.Source.Name == DataTierTracing.SourceName).SelectMany(a => a.TagObjects), t => t.Value?.ToString()?.Contains("team-3", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_slow_statement_shows_the_requests_trace_id_in_pg_stat_activity_on_the_node_that_runs_it()
    {
        await using var server = await DataTierServer.StartAsync(fixture, TracingOn);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var trace = ActivityTraceId.CreateRandom();
        string marker = "slow_" + Guid.NewGuid().ToString("N")[..8];
        var running = QueryAsync(app, trace, new { shardKey = "team-5", sql = $"select pg_sleep(2.5) as {marker}", consistency = "strong", cache = "bypass" });

        string? seenOn = null;
        string? seenText = null;
        var deadline = Stopwatch.StartNew();
        while (seenOn is null && deadline.Elapsed < TimeSpan.FromSeconds(2) && !running.IsCompleted)
        {
            foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
            {
                string text = await Db.ScalarAsync<string>(node.SuperuserConnectionString,
                    "select coalesce(max(query), '') from pg_stat_activity where state = 'active' and query like '%' || @m || '%' and query not like '%pg_stat_activity%'", ("m", marker));
                if (text.Length > 0)
                {
                    seenText = text;
                    seenOn = node.Id;
                    break;
                }
            }

            await Task.Delay(100);
        }

        var answer = await running;
        Assert.NotNull(seenOn);
        Assert.Equal((string)answer["node"]!, seenOn);
        Assert.StartsWith($"/*traceparent='00-{trace}-", seenText, StringComparison.Ordinal);
    }

    private static async Task<JsonNode> QueryAsync(HttpClient client, ActivityTraceId trace, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/query") { Content = JsonContent.Create(body) };
        // A caller's sampled trace context: the server's spans join this trace.
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!;
    }

    // The request's span ends after its answer is sent: wait for it to be exported.
    private static async Task<List<Activity>> SpansOfAsync(List<Activity> exported, ActivityTraceId trace, Func<List<Activity>, bool> complete)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            // The exporter appends from the threads that end spans (the health probes' Npgsql spans keep coming):
            // a copy, never an enumeration of the live list.
            var spans = exported.ToArray().Where(a => a is not null && a.TraceId == trace).ToList();

            if (complete(spans) || deadline.Elapsed > TimeSpan.FromSeconds(5))
            {
                return spans;
            }

            await Task.Delay(50);
        }
    }
}
