using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Switchover;

/// <summary>
/// Promotes through Patroni for shards it manages: <c>POST /switchover</c> with the leader and the candidate, on the
/// leader's agent. Patroni would fight a <c>pg_promote()</c> it did not make (the old leader keeps the leader key and
/// the promoted node would be demoted again); through its API, Patroni stops the old primary, promotes the target and
/// restarts the old primary as the new one's standby. The fenced writes held meanwhile hit a stopped server, so
/// <c>ShardWriter</c> keeps holding a write whose shard it saw fenced (see <c>FenceSightings</c>) rather than fail it.
/// </summary>
internal sealed partial class PatroniPromoter : IPromoter, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly PatroniPromoterOptions _options;
    private readonly ILogger<PatroniPromoter> _logger;

    /// <summary>Creates the promoter; it owns its HTTP client (a switchover is rare: no pooling across instances needed).</summary>
    /// <remarks>
    /// Its settings come bound on their own: <see cref="SwitchoverOptions"/>' validators list the promoters, so a
    /// promoter that took them would depend on itself. They are validated as <see cref="SwitchoverOptions.Patroni"/>,
    /// the same section.
    /// </remarks>
    public PatroniPromoter(IOptions<PatroniPromoterOptions> options, ILogger<PatroniPromoter> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => PromoterNames.Patroni;

    /// <inheritdoc />
    public async Task PromoteAsync(NodeDefinition target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var address = new NpgsqlConnectionStringBuilder(target.ConnectionString);
            var (members, via) = await FindClusterAsync(address.Host ?? "", address.Port, deadline.Token).ConfigureAwait(false);
            var candidate = members.First(m => Matches(m, address.Host ?? "", address.Port));
            await using var conn = await RecoveryExit.OpenAsync(target, deadline.Token).ConfigureAwait(false);
            if (!candidate.IsLeader)
            {
                var leader = members.FirstOrDefault(m => m.IsLeader)
                    ?? throw Refused(target, $"the Patroni cluster at {via} has no leader now ({Describe(members)}); wait for Patroni to elect one.");
                await SwitchOverAsync(target, leader, candidate, deadline.Token).ConfigureAwait(false);
            }

            await RecoveryExit.WaitAsync(conn, target, "Patroni's switchover", started, timeout, deadline.Token).ConfigureAwait(false);
            Log.Done(_logger, candidate.Name, target.Endpoint, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The switchover to {target.Endpoint} through Patroni did not complete within DataTier:Switchover:PromoteTimeoutMs ({timeout.TotalMilliseconds:0} ms); Patroni may still complete it: check GET /cluster on its agents.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task SwitchOverAsync(NodeDefinition target, PatroniClusterMember leader, PatroniClusterMember candidate, CancellationToken cancellationToken)
    {
        string url = BaseOf(leader.ApiUrl) + "/switchover";
        Log.Requested(_logger, leader.Name, candidate.Name, url);
        // Serialized up front: Patroni's HTTP server wants a Content-Length and refuses a chunked body (411).
        string json = JsonSerializer.Serialize(new { leader = leader.Name, candidate = candidate.Name });
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return;
        }

        string body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        string answer = $"Patroni answered {(int)response.StatusCode} to POST {url} (leader {leader.Name}, candidate {candidate.Name}): {(body.Length > 300 ? body[..300] + "..." : body)}";

        // 412 and 400 are refusals before anything was done (candidate not the synchronous standby, not healthy,
        // paused cluster...). For anything else, look: if the old leader still leads, nothing changed either.
        bool unchanged = response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.BadRequest;
        if (!unchanged)
        {
            var (now, _) = await FindClusterAsync(candidate.Host, candidate.Port, cancellationToken).ConfigureAwait(false);
            unchanged = now.Any(m => m.Name == leader.Name && m.IsLeader);
        }

        Log.Refused(_logger, leader.Name, candidate.Name, (int)response.StatusCode, unchanged);
        if (unchanged)
        {
            throw Refused(target, answer);
        }

        throw new InvalidOperationException(answer + "; the leader has changed, so check GET /cluster before retrying.");
    }

    // The first configured agent whose cluster has the target as a member, by its PostgreSQL host and port.
    private async Task<(List<PatroniClusterMember> Members, string Via)> FindClusterAsync(string host, int port, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (string restUrl in _options.RestUrls)
        {
            string url = restUrl.TrimEnd('/') + "/cluster";
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            call.CancelAfter(_options.RequestTimeoutMs);
            try
            {
                var view = await _http.GetFromJsonAsync<PatroniClusterView>(url, Json, call.Token).ConfigureAwait(false);
                if (view?.Members is { Count: > 0 } members && members.Any(m => Matches(m, host, port)))
                {
                    return (members, restUrl);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                errors.Add($"{url}: {(ex is OperationCanceledException ? $"no answer within DataTier:Switchover:Patroni:RequestTimeoutMs ({_options.RequestTimeoutMs} ms)" : ex.Message)}");
            }
        }

        throw new PromotionNotPermittedException(
            $"No Patroni cluster reached through DataTier:Switchover:Patroni:RestUrls ({string.Join(", ", _options.RestUrls)}) has a member at {host}:{port}; " +
            $"add that node's Patroni REST API, or set DataTier:Switchover:Promoter to pg_promote if Patroni does not manage this shard.{(errors.Count > 0 ? " Failed: " + string.Join("; ", errors) : "")}");
    }

    private static bool Matches(PatroniClusterMember member, string host, int port) =>
        member.Port == port && string.Equals(member.Host, host, StringComparison.OrdinalIgnoreCase);

    private static string BaseOf(string apiUrl) => new Uri(apiUrl).GetLeftPart(UriPartial.Authority);

    private static string Describe(IEnumerable<PatroniClusterMember> members) => string.Join(", ", members.Select(m => $"{m.Name} {m.Role}"));

    private static PromotionNotPermittedException Refused(NodeDefinition target, string why) =>
        new($"Patroni did not switch over to {target.Endpoint}: {why}");

    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.LogEventIds.PatroniSwitchoverRequested, EventName = "PatroniSwitchoverRequested", Level = LogLevel.Information,
            Message = "Asking Patroni to switch over from {Leader} to {Candidate} ({Url})")]
        public static partial void Requested(ILogger logger, string leader, string candidate, string url);

        [LoggerMessage(EventId = Diagnostics.LogEventIds.PatroniSwitchoverDone, EventName = "PatroniSwitchoverDone", Level = LogLevel.Information,
            Message = "Patroni promoted {Candidate} ({Endpoint}); it accepted writes {ElapsedMs:0} ms after the promoter started")]
        public static partial void Done(ILogger logger, string candidate, string endpoint, double elapsedMs);

        [LoggerMessage(EventId = Diagnostics.LogEventIds.PatroniSwitchoverRefused, EventName = "PatroniSwitchoverRefused", Level = LogLevel.Warning,
            Message = "Patroni did not switch over from {Leader} to {Candidate} (HTTP {Status}; leader unchanged: {Unchanged})")]
        public static partial void Refused(ILogger logger, string leader, string candidate, int status, bool unchanged);
    }
}
