using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace DataTier.MoveBench.Server;

/// <summary>
/// The admin endpoints a move takes: topology changes, the plan, starting a move and reading its document. Anything
/// but the expected status fails the run with the server's problem text.
/// </summary>
internal sealed class AdminApi(HttpClient admin)
{
    public Task AddShardAsync(string id, string primary, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "/admin/shards", new { id, weight = 1, primary }, HttpStatusCode.Created, ct);

    public Task DrainAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"/admin/shards/{id}/drain", new { }, HttpStatusCode.OK, ct);

    public Task RemoveAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"/admin/shards/{id}", null, HttpStatusCode.OK, ct);

    /// <summary>The plan from the routing ring to the desired ring (a dry run: rows and bytes that would move).</summary>
    public Task<JsonNode> PlanAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "/admin/rebalance/plan", null, HttpStatusCode.OK, ct);

    /// <summary>Starts the move to the desired topology; returns its id.</summary>
    public async Task<long> StartMoveAsync(CancellationToken ct)
    {
        var started = await SendAsync(HttpMethod.Post, "/admin/rebalance", new { }, HttpStatusCode.Accepted, ct);
        return (long)started["id"]!;
    }

    public Task<JsonNode> GetMoveAsync(long id, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"/admin/rebalance/{id}", null, HttpStatusCode.OK, ct);

    /// <summary>Asks a running move to roll back (when the bench gives up on it); failures are ignored.</summary>
    public async Task TryCancelAsync(long id)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await admin.PostAsJsonAsync($"/admin/rebalance/{id}/cancel", new { }, cancel.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // The server and the cluster are stopped next anyway.
        }
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, HttpStatusCode expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await admin.SendAsync(request, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new BenchFailedException($"{method} {path} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        }

        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
