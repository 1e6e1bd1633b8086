using System.Buffers.Binary;
using System.Text;
using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using DataTier.Postgres.Caching;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Reads served from Core's cache. A read qualifies when it runs outside a transaction, reads sharded tables by key
/// and nothing volatile, and comes as one statement: a simple Query, or one Bind and Execute (all rows) with at most
/// a Describe of its portal up to Sync. A hit writes the cached protocol messages and ReadyForQuery without a
/// backend; a miss runs on a backend as any read does, and its answer is captured as it is relayed and stored.
/// </content>
internal sealed partial class ClientSession
{
    private CacheMode _cacheMode = CacheMode.Auto;

    // The read being filled on the backend this round trip, if it is cacheable.
    private WireCacheRead? _fill;

    // Functions whose answer changes from call to call or reveals the session: a statement calling one is never cached.
    private static readonly HashSet<string> VolatileFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "random", "setseed", "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
        "nextval", "currval", "lastval", "setval", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
        "uuid_generate_v4", "current_setting", "current_user", "session_user", "current_database", "version",
        "inet_client_addr", "inet_client_port", "inet_server_addr", "inet_server_port", "txid_current",
        "txid_current_if_assigned", "age", "random_normal",
    };

    private bool CacheApplies => _cacheMode != CacheMode.Bypass && _consistency != ConsistencyLevel.Strong && _services.Cache.Enabled
        && _backend is null && _deferred.Count == 0 && !_locallyFailed;

    /// <summary>Whether one statement's answer may come from the cache at all (before looking at its key).</summary>
    private static bool Cacheable(PgStatement statement, Plan plan)
    {
        var a = statement.Analysis;
        if (!a.IsPlainRead || a.HasDataModifyingCte || plan.Shard is null || plan.NeedsPrimary || plan.Writes || a.Tables.IsEmpty)
        {
            return false;
        }

        foreach (var table in a.Tables)
        {
            if (table.IsCatalog)
            {
                return false;
            }
        }

        foreach (var function in a.Functions)
        {
            if (VolatileFunctions.Contains(function) || function.StartsWith("pg_", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The cacheable read of a batch, or null: exactly one Bind and one Execute of all rows, maybe a Describe of that portal.</summary>
    private WireCacheRead? CacheCandidate(BatchItem[] items, Plan plan)
    {
        if (!CacheApplies || plan.Shard is not { } shard)
        {
            return null;
        }

        BindMessage? bind = null;
        ClientStatement? statement = null;
        bool executed = false;
        bool describes = false;
        foreach (var item in items)
        {
            switch (item.Message)
            {
                case ParseMessage:
                    break;
                case BindMessage b when bind is null && item.Statement?.Statement is not null:
                    bind = b;
                    statement = item.Statement;
                    break;
                case DescribeMessage { Target: StatementOrPortal.Portal } d when bind is not null && !describes && !executed && d.Name == bind.PortalName:
                    describes = true;
                    break;
                case ExecuteMessage e when bind is not null && !executed && e.MaxRows == 0 && e.PortalName == bind.PortalName:
                    executed = true;
                    break;
                default:
                    return null;
            }
        }

        if (!executed || statement?.Statement is not { } pg)
        {
            return null;
        }

        if (!Cacheable(pg, plan))
        {
            return null;
        }

        var (prefix, profileKey) = statement.CacheIdentity;
        var args = bind!.Arguments;
        var request = new byte[prefix.Length + args.Length];
        prefix.CopyTo(request, 0);
        args.CopyTo(request.AsSpan(prefix.Length));
        var types = statement.ParameterTypes;
        return new WireCacheRead(shard, pg, profileKey, request, bind, types.AsMemory(), describes);
    }

    /// <summary>The cacheable read of a simple Query of one statement, or null.</summary>
    private WireCacheRead? CacheCandidate(PgStatement statement, Plan plan)
    {
        if (!CacheApplies || plan.Shard is not { } shard)
        {
            return null;
        }

        if (!Cacheable(statement, plan))
        {
            return null;
        }

        int textLength = Encoding.UTF8.GetByteCount(statement.Text);
        var request = new byte[1 + textLength];
        request[0] = (byte)'Q';
        Encoding.UTF8.GetBytes(statement.Text, request.AsSpan(1));
        return new WireCacheRead(shard, statement, statement.Text, request, null, ReadOnlyMemory<uint>.Empty, describes: false);
    }

    /// <summary>
    /// Looks the read up; on a hit writes its answers (<paramref name="items"/> in order for a batch, the Query's
    /// messages otherwise) and ReadyForQuery, and returns true. On a miss the read stays ready to be filled.
    /// </summary>
    private async ValueTask<bool> TryServeCachedAsync(WireCacheRead read, BatchItem[]? items, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!_services.Profiles.TryGet(read.ProfileKey, out var known))
        {
            // Not planned yet: the miss asks the backend.
            return false;
        }

        if (known.Profile is not { } profile || !_services.Cache.MayCache(profile))
        {
            read.Profile = null;
            _services.Cache.CountBypass();
            return false;
        }

        read.Profile = profile;
        read.RequiredLsn = _consistency == ConsistencyLevel.Session ? _writeLsn.GetValueOrDefault(read.Shard.Id) : 0;
        if (_cacheMode == CacheMode.Fresh || !_services.Cache.TryKeyInMemory(WireCacheRead.Scope, read.Shard.Id, read.Request, profile.Tables, out var key))
        {
            key = await _services.Cache.KeyFromRedisAsync(WireCacheRead.Scope, read.Shard.Id, read.Request, profile.Tables).ConfigureAwait(false);
        }

        read.Key = key;
        var entry = _services.Cache.TryGetL1(key, read.RequiredLsn) ?? await _services.Cache.GetAsync(key, read.RequiredLsn).ConfigureAwait(false);
        if (entry is null || !WireCachedAnswer.TryDecode(entry.RowsJson, out var answer) || (read.Describes && !answer.HasRowDescription))
        {
            return false;
        }

        _services.Cache.CountServed(profile.Tables, read.Statement.Fingerprint, hit: true);
        _services.Metrics.CacheHits.Inc();
        var (fingerprint, id) = _services.Fingerprints.Of(read.Statement);
        _services.Digest.Record(id, fingerprint, read.Statement.Text, read.Shard.Id, Core.Diagnostics.DigestRole.Cache, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, entry.RowCount, error: false, cacheHit: true, frontEnd: Core.Diagnostics.DigestFrontEnd.Wire);
        if (items is null)
        {
            BackendMessageWriter.WriteEncoded(_output, answer.Body);
        }
        else
        {
            foreach (var item in items)
            {
                switch (item.Type)
                {
                    case FrontendMessageType.Parse:
                        BackendMessageWriter.WriteEncoded(_output, ParseCompleteBytes);
                        break;
                    case FrontendMessageType.Bind:
                        BackendMessageWriter.WriteEncoded(_output, BindCompleteBytes);
                        break;
                    case FrontendMessageType.Describe:
                        BackendMessageWriter.WriteEncoded(_output, answer.RowDescription);
                        break;
                    case FrontendMessageType.Execute:
                        BackendMessageWriter.WriteEncoded(_output, answer.Body);
                        break;
                }
            }

            _portals.Clear();
        }

        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// On the backend just leased for a cacheable miss: plans the statement if it is new, reads the versions for its
    /// key (before the rows are read), and notes what the rows will include. Clears the fill when it cannot be cached.
    /// </summary>
    private async Task PrepareFillAsync(WireCacheRead read, CancellationToken cancellationToken)
    {
        var backend = _backend!;
        if (!_services.Profiles.TryGet(read.ProfileKey, out var known))
        {
            string? plan;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_services.Options.BackendIoTimeoutMs);
                plan = await backend.QueryFirstTextAsync("EXPLAIN (FORMAT JSON) " + read.Statement.Text, read.ParameterTypes, read.Bind, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or Backends.BackendException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw BackendLost(e);
            }

            known = _services.Profiles.Remember(read.ProfileKey, plan);
            if (known.Profile is { } planned && _services.Cache.MayCache(planned))
            {
                read.Profile = planned;
                read.RequiredLsn = _consistency == ConsistencyLevel.Session ? _writeLsn.GetValueOrDefault(read.Shard.Id) : 0;
                if (_cacheMode == CacheMode.Fresh || !_services.Cache.TryKeyInMemory(WireCacheRead.Scope, read.Shard.Id, read.Request, planned.Tables, out var key))
                {
                    key = await _services.Cache.KeyFromRedisAsync(WireCacheRead.Scope, read.Shard.Id, read.Request, planned.Tables).ConfigureAwait(false);
                }

                read.Key = key;
            }
        }

        if (read.Profile is null)
        {
            _fill = null;
            return;
        }

        // What the rows will include at least: on the primary every write this instance knew of before it read; on
        // a replica what it had replayed when last probed (replay only moves forward).
        read.ReadLsn = backend.Node.Role == NodeRole.Primary ? Math.Max(read.RequiredLsn, read.Key.WriteLsn) : _services.Health.Get(backend.Node).Lsn;
        read.StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _fill = read;
    }

    /// <summary>Stores what the round trip captured, if it completed cleanly; called once the backend answered ReadyForQuery.</summary>
    private void FinishFill(TransactionStatus status)
    {
        if (_fill is not { } read)
        {
            return;
        }

        _fill = null;
        if (status != TransactionStatus.Idle || read.Profile is not { } profile || read.Encoded() is not { } encoded)
        {
            return;
        }

        double elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(read.StartedAt).TotalMilliseconds;
        _services.Cache.CountServed(profile.Tables, read.Statement.Fingerprint, hit: false);
        _services.Cache.Store(read.Key, encoded, read.RowCount, read.Shard.Id, read.ReadLsn, Math.Max(read.RequiredLsn, read.Key.WriteLsn), profile, elapsed);
    }

    /// <summary>A relayed backend message, seen by the fill in progress (if any).</summary>
    private void CaptureForFill(in BackendMessage message, Expect expecting)
    {
        if (_fill is not { } read)
        {
            return;
        }

        switch (expecting)
        {
            case Expect.Describe when message.Type == BackendMessageType.RowDescription:
                read.CaptureRowDescription(message);
                break;
            case Expect.Execute or Expect.Query:
                read.CaptureResult(message, _services.CacheMaxEntryBytes);
                break;
            case Expect.Bind or Expect.Parse or Expect.Sync:
                break;
            default:
                read.Abandon();
                break;
        }
    }
}
