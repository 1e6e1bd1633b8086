using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTier.DevCluster.Patroni;

/// <summary>
/// Reads Patroni's (and etcd's) REST APIs on 127.0.0.1 for the dev cluster's waits and the tests. Every call has its
/// own timeout; an agent that does not answer in time is treated as not answering.
/// </summary>
internal sealed class PatroniRestClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The body of a 200 answer, or null when the call failed, timed out or answered otherwise.</summary>
    public async Task<string?> TryGetStringAsync(string url, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CallTimeout);
        try
        {
            using var response = await _http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false) : null;
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>The members of the Patroni cluster the agent at <paramref name="restUrl"/> belongs to, or null when it does not answer.</summary>
    public async Task<IReadOnlyList<PatroniMember>?> TryGetMembersAsync(string restUrl, CancellationToken ct)
    {
        string? body = await TryGetStringAsync(restUrl.TrimEnd('/') + "/cluster", ct).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        try
        {
            return (JsonNode.Parse(body)?["members"]?.AsArray() ?? [])
                .Where(m => m is not null)
                .Select(m => new PatroniMember(
                    (string?)m!["name"] ?? "",
                    (string?)m["role"] ?? "",
                    (string?)m["state"] ?? "",
                    (int?)m["port"] ?? 0,
                    m["timeline"] is JsonValue t && t.TryGetValue(out int timeline) ? timeline : null))
                .ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Sends a JSON body (<c>PATCH /config</c>, <c>POST /switchover</c>) and returns the status and body.</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string url, object body, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
        using var response = await _http.SendAsync(request, limit.Token).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(limit.Token).ConfigureAwait(false));
    }

    public void Dispose() => _http.Dispose();
}
