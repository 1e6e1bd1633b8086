using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using DataTier.Core.Topology;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;

namespace DataTier.Postgres.Sessions;

/// <content>Leasing and pinning backend connections, relaying their answers, and what follows a write.</content>
internal sealed partial class ClientSession
{
    // The commit LSN as a number: what ReadRouter compares with each replica's replay LSN.
    private const string LsnSql = "select (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8";

    private readonly Lock _backendLock = new();
    private readonly SemaphoreSlim _cancelGate = new(1, 1);
    private readonly Dictionary<string, ulong> _writeLsn = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _writtenTables = new(StringComparer.Ordinal);
    private BackendConnection? _backend;
    private BackendPool? _backendPool;
    private ShardDefinition? _backendShard;
    private TransactionStatus _backendStatus = TransactionStatus.Idle;

    // Counts the lease in ReadRouter's requests in flight, so the least-outstanding policy sees wire load too.
    private Core.Replicas.OutstandingRequests.Lease? _outstanding;

    // BEGIN (and SET LOCAL) statements answered locally, sent before the transaction's first statement that routes.
    private readonly List<string> _deferred = [];

    // A statement of the transaction was refused for routing to another shard: aborted until ROLLBACK, as PostgreSQL would.
    private bool _locallyFailed;
    private bool _transactionWrote;
    private string? _sessionKey;
    private string? _localKey;
    private ConsistencyLevel _consistency = ConsistencyLevel.Session;

    /// <summary>The status ReadyForQuery reports: the pinned backend's, or the local one of a deferred or refused transaction.</summary>
    private TransactionStatus ClientStatus =>
        _locallyFailed ? TransactionStatus.Failed
        : _backend is not null && _backendStatus != TransactionStatus.Idle ? _backendStatus
        : _deferred.Count > 0 ? TransactionStatus.InTransaction
        : TransactionStatus.Idle;

    private bool InTransaction => ClientStatus != TransactionStatus.Idle;

    /// <summary>The key a statement routes by before its own hint: SET LOCAL, then the session's SET.</summary>
    private string? ExplicitKey => _localKey ?? _sessionKey;

    /// <summary>Where a statement (or a batch) runs, combined over its statements.</summary>
    private sealed class Plan
    {
        public ShardDefinition? Shard { get; set; }

        public bool Writes { get; set; }

        public bool NeedsPrimary { get; set; }

        public string Source { get; set; } = "none";

        public string Kind { get; set; } = "other";

        /// <summary>A replica must have replayed this LSN (a cache fill's requirement), on top of the session's own writes.</summary>
        public ulong MinLsn { get; set; }

        /// <summary>The read runs where <see cref="MinLsn"/> cannot be met (the primary is down): its rows fill no cache entry.</summary>
        public bool SkipFill { get; set; }

        public SortedSet<string> Tables { get; } = new(StringComparer.Ordinal);

        /// <summary>A key-less read to run on every shard (alone in its Query or batch).</summary>
        public bool FanOut { get; private set; }

        /// <summary>A multi-row INSERT whose rows belong to several shards (alone in its Query or batch): split by shard.</summary>
        public Core.Sql.Tree.PgStatement? Split { get; private set; }

        /// <summary>How the fan-out's answers merge (ORDER BY, LIMIT, aggregates...); null: concatenated.</summary>
        public Core.Sql.CrossShard.CrossShardPlan? Merge { get; private set; }

        // Metric labels of statement kinds, made once rather than per statement.
        private static readonly System.Collections.Frozen.FrozenDictionary<Core.Sql.Tree.PgStatementKind, string> KindNames =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<Core.Sql.Tree.PgStatementKind>(), static k => k, static k => k.ToString().ToLowerInvariant());

        /// <summary>The statements routed, for the query digest.</summary>
        public List<Core.Sql.Tree.PgStatement> Statements { get; } = new(1);

        public void Add(StatementRoute route, Core.Sql.Tree.PgStatement statement)
        {
            var analysis = statement.Analysis;
            Statements.Add(statement);
            if (route.Kind == RouteKind.SplitInsert || (Split is not null && route.Kind != RouteKind.Neutral))
            {
                if (FanOut || Shard is not null || Split is not null)
                {
                    throw new WireException(
                        SqlState.FeatureNotSupported,
                        "A multi-row INSERT whose rows belong to several shards is split by shard and must be sent on its own (one Query, or one batch up to Sync), not together with other statements.",
                        "Send it separately.");
                }

                Split = statement;
                Source = route.Source;
            }
            else if (route.Kind == RouteKind.AllShards || (FanOut && route.Kind != RouteKind.Neutral))
            {
                if (FanOut || Shard is not null)
                {
                    throw new WireException(
                        SqlState.FeatureNotSupported,
                        "A read without a shard key runs on every shard and must be sent on its own (one Query, or one batch up to Sync), not together with other statements.",
                        "Send it separately.");
                }

                FanOut = true;
                Merge = route.Merge;
                Source = route.Source;
            }
            else if (route.Kind == RouteKind.Shard)
            {
                if (Shard is not null && !ReferenceEquals(Shard, route.Shard) && Shard.Id != route.Shard!.Id)
                {
                    throw new WireException(
                        SqlState.FeatureNotSupported,
                        $"These statements route to shards {Shard.Id} and {route.Shard.Id}; statements sent together (one Query, or one batch up to Sync) must run on one shard.",
                        "Send them separately, one shard key each.");
                }

                Shard = route.Shard;
                Source = route.Source;
            }
            else if (Source == "none" && route.Kind == RouteKind.AnyShard)
            {
                Source = "any";
            }

            Writes |= route.Writes;
            NeedsPrimary |= route.NeedsPrimary;
            if (Kind == "other" || route.Writes)
            {
                Kind = KindNames[analysis.Kind];
            }

            foreach (var table in analysis.Tables)
            {
                if (table.Role == Core.Sql.Tree.PgTableRole.Written && !table.IsCatalog)
                {
                    Tables.Add(table.Name);
                }
            }
        }
    }

    /// <summary>
    /// Makes sure the session holds a backend for <paramref name="plan"/>: the pinned one (refusing another shard), or a
    /// fresh lease: the primary for writes and transactions, else the replica ReadRouter picks for the session's LSN.
    /// </summary>
    private async Task AcquireAsync(Plan plan, CancellationToken cancellationToken)
    {
        _roundTripStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        _roundTripRows = 0;
        _roundTripFailed = false;
        if (_backend is not null)
        {
            if (plan.Shard is not null && plan.Shard.Id != _backendShard!.Id)
            {
                bool inTransaction = _backendStatus != TransactionStatus.Idle;
                _locallyFailed |= inTransaction;
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    $"This {(inTransaction ? "transaction" : "batch")} runs on shard {_backendShard.Id}, and this statement routes to shard {plan.Shard.Id}; a transaction on the wire stays on one shard.",
                    inTransaction ? "ROLLBACK, then run the statements of each shard in a transaction of their own." : "Send the statements of each shard in a batch of their own.");
            }

            return;
        }

        var topology = _services.Topology.Current;
        var shard = plan.Shard is { } planned ? topology.ShardsById.GetValueOrDefault(planned.Id, planned) : WireRouter.Designated(topology);
        var node = ChooseNode(shard, plan);
        var pool = _services.Pools.Get(node);
        var backend = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        _outstanding = _services.ReadRouter.Outstanding.Begin(node.Id);
        lock (_backendLock)
        {
            _backend = backend;
            _backendPool = pool;
            _backendShard = shard;
        }

        _backendStatus = TransactionStatus.Idle;
        _services.Metrics.StatementsFor(plan.Kind, plan.Source, node.Role == NodeRole.Primary).Inc();
        if (_deferred.Count > 0)
        {
            string begin = string.Join("; ", _deferred);
            _deferred.Clear();
            FrontendMessageWriter.WriteQuery(backend.Writer, begin);
            _expected.Enqueue(new Expectation(Expect.SwallowQuery));
            await FlushBackendAsync(cancellationToken).ConfigureAwait(false);
            var status = await RelayExpectedAsync(cancellationToken).ConfigureAwait(false);
            _backendStatus = status ?? TransactionStatus.InTransaction;
        }
    }

    /// <summary>The node that runs the plan on <paramref name="shard"/>: the primary for writes, transactions and strong reads, else the replica ReadRouter picks for the session's own writes.</summary>
    private NodeDefinition ChooseNode(ShardDefinition shard, Plan plan)
    {
        if (plan.NeedsPrimary || _deferred.Count > 0 || _consistency == ConsistencyLevel.Strong)
        {
            return shard.Primary;
        }

        try
        {
            ulong own = _consistency == ConsistencyLevel.Session ? _writeLsn.GetValueOrDefault(shard.Id) : 0;
            ulong minLsn = Math.Max(plan.MinLsn, own);
            var node = _services.ReadRouter.Route(shard, minLsn > 0 ? ConsistencyLevel.Session : _consistency, minLsn).Node;
            if (node.Role == NodeRole.Primary && plan.MinLsn > own && !_services.Health.Get(shard.Primary).Reachable
                && _services.ReadRouter.Route(shard, own > 0 ? ConsistencyLevel.Session : _consistency, own).Node is { Role: not NodeRole.Primary } replica)
            {
                // Only the unreachable primary has every write the cache fill must include (it died with writes its
                // replicas never received); the read itself asks for less: a replica answers it, and nothing is cached.
                plan.SkipFill = true;
                return replica;
            }

            return node;
        }
        catch (DataTierException e)
        {
            throw new WireException(SqlState.ConnectionFailure, e.Message, "Retry shortly.");
        }
    }

    // What the digest records of a round trip: when it started, the rows relayed, whether a node reported an error.
    private long _roundTripStarted;
    private long _roundTripRows;
    private bool _roundTripFailed;

    /// <summary>Records the round trip's statements in Core's query digest (time split evenly, as HTTP batches are).</summary>
    private void RecordDigest(Plan plan)
    {
        if (_backend is not { } backend || plan.Statements.Count == 0)
        {
            return;
        }

        double elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(_roundTripStarted).TotalMilliseconds / plan.Statements.Count;
        var role = backend.Node.Role == NodeRole.Primary ? Core.Diagnostics.DigestRole.Primary : Core.Diagnostics.DigestRole.Replica;
        foreach (var statement in plan.Statements)
        {
            if (statement.Analysis.Kind is Core.Sql.Tree.PgStatementKind.Transaction or Core.Sql.Tree.PgStatementKind.Set or Core.Sql.Tree.PgStatementKind.Reset or Core.Sql.Tree.PgStatementKind.Show)
            {
                continue;
            }

            var (fingerprint, id) = _services.Fingerprints.Of(statement);
            _services.Digest.Record(id, fingerprint, statement.Text, _backendShard!.Id, role, elapsed, plan.Statements.Count == 1 ? _roundTripRows : 0, _roundTripFailed, frontEnd: Core.Diagnostics.DigestFrontEnd.Wire);
        }
    }

    /// <summary>Returns the backend to its pool (closing it when <paramref name="discard"/>, broken or mid-transaction).</summary>
    private async Task ReleaseBackendAsync(bool discard)
    {
        if (_backend is null)
        {
            return;
        }

        BackendConnection backend;
        BackendPool pool;
        // A cancel being forwarded for this backend finishes before another client can lease it.
        await _cancelGate.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_backendLock)
            {
                backend = _backend;
                pool = _backendPool!;
                _backend = null;
                _backendPool = null;
                _backendShard = null;
            }
        }
        finally
        {
            _cancelGate.Release();
        }

        _outstanding?.Dispose();
        _outstanding = null;
        _fill = null;
        _expected.Clear();
        _portals.Clear();
        await pool.ReturnAsync(backend, idle: !discard && _backendStatus == TransactionStatus.Idle).ConfigureAwait(false);
        _backendStatus = TransactionStatus.Idle;
    }

    /// <summary>
    /// After the backend's ReadyForQuery: remember what was written; when the transaction (or autocommit statement)
    /// is over, read the commit LSN on the same connection, invalidate the cache, and give the backend back. Then the
    /// client gets its ReadyForQuery: the write's invalidation completes before its answer is released.
    /// </summary>
    private async Task CompleteRoundTripAsync(TransactionStatus status, Plan plan, CancellationToken cancellationToken)
    {
        _backendStatus = status;
        FinishFill(status);
        RecordDigest(plan);
        if (plan.Writes)
        {
            _transactionWrote = true;
            _writtenTables.UnionWith(plan.Tables);
        }

        if (status == TransactionStatus.Idle && _backend is not null)
        {
            if (_transactionWrote)
            {
                await AfterWriteAsync(cancellationToken).ConfigureAwait(false);
            }

            _localKey = null;
            _locallyFailed = false;
            await ReleaseBackendAsync(discard: false).ConfigureAwait(false);
        }

        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task AfterWriteAsync(CancellationToken cancellationToken)
    {
        await RecordWriteAsync(_backend!, _backendShard!.Id, _writtenTables.ToList(), cancellationToken).ConfigureAwait(false);
        _transactionWrote = false;
        _writtenTables.Clear();
    }

    /// <summary>
    /// After a commit on <paramref name="backend"/>: reads the commit LSN on that connection (read-your-writes for the
    /// session's next reads of the shard) and bumps the written tables' versions (cache invalidation), as HTTP writes do.
    /// </summary>
    private async Task RecordWriteAsync(BackendConnection backend, string shardId, List<string> tables, CancellationToken cancellationToken)
    {
        ulong lsn = 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_services.Options.BackendIoTimeoutMs);
            lsn = (ulong)await backend.QueryInt64Async(LsnSql, timeout.Token).ConfigureAwait(false);
            _writeLsn[shardId] = Math.Max(_writeLsn.GetValueOrDefault(shardId), lsn);
        }
        catch (Exception e) when (e is BackendException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Without the LSN the session's next reads of this shard go to the primary (strong), never to a stale replica.
            backend.IsBroken = true;
            _writeLsn[shardId] = ulong.MaxValue;
            WireLog.BackendBroken(_services.Logger, backend.Node.Id, e.GetType().Name);
        }

        try
        {
            await _services.Versions.BumpAsync(shardId, tables, lsn).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Fail open as HTTP writes do: TableVersions logs and counts a Redis outage; the write itself committed.
            WireLog.InvalidationFailed(_services.Logger, shardId, e.GetType().Name);
        }
    }

    private async ValueTask FlushBackendAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_services.Options.BackendIoTimeoutMs);
        try
        {
            await _backend!.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BackendException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw BackendLost(e);
        }
    }

    /// <summary>The backend broke mid-statement: it is discarded and the client gets a FATAL 08006 (its transaction, if any, is gone).</summary>
    private WireException BackendLost(Exception e)
    {
        if (_backend is { } backend)
        {
            backend.IsBroken = true;
            WireLog.BackendBroken(_services.Logger, backend.Node.Id, e.GetType().Name);
        }

        string shard = _backendShard?.Id ?? "?";
        return new WireException(
            e is OperationCanceledException ? SqlState.QueryCanceled : SqlState.ConnectionFailure,
            e is OperationCanceledException
                ? $"The backend of shard {shard} did not answer within {_services.Options.BackendIoTimeoutMs} ms; DataTier closed this session."
                : $"The connection to shard {shard} broke; DataTier closed this session.",
            "Reconnect and retry.",
            isFatal: true);
    }

    /// <summary>Forwards a CancelRequest to the backend that runs the named session's statement, if it holds one now.</summary>
    private async Task ForwardCancelAsync(CancelRequest request)
    {
        var target = _services.Sessions.Find(request.ProcessId, request.SecretKey);
        if (target is null)
        {
            WireLog.CancelIgnored(_services.Logger, request.ProcessId, "no session with that key");
            return;
        }

        await target.CancelRunningAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a CancelRequest with the backend's own key data to each backend running the session's statement: the held
    /// one, or every shard's of a merged read. The gate keeps them leased meanwhile.
    /// </summary>
    public async Task CancelRunningAsync()
    {
        await _cancelGate.WaitAsync().ConfigureAwait(false);
        try
        {
            BackendConnection[] running;
            lock (_backendLock)
            {
                running = _backend is { } held ? [held] : _mergeLegs?.Select(static l => l.Stream.Backend).ToArray() ?? [];
            }

            if (running.Length == 0)
            {
                WireLog.CancelIgnored(_services.Logger, ProcessId, "no statement running");
                return;
            }

            await Task.WhenAll(running.Select(SendCancelAsync)).ConfigureAwait(false);
        }
        finally
        {
            _cancelGate.Release();
        }
    }

    private async Task SendCancelAsync(BackendConnection backend)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(_services.Options.BackendConnectTimeoutMs));
            var endPoint = backend.RemoteEndPoint ?? await BackendConnection.ResolveAsync(backend.Node, timeout.Token).ConfigureAwait(false);
            using var socket = new System.Net.Sockets.Socket(endPoint.AddressFamily, System.Net.Sockets.SocketType.Stream,
                endPoint is System.Net.Sockets.UnixDomainSocketEndPoint ? System.Net.Sockets.ProtocolType.Unspecified : System.Net.Sockets.ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(16);
            FrontendMessageWriter.WriteCancelRequest(buffer, backend.ProcessId, backend.SecretKey);
            await socket.SendAsync(buffer.WrittenMemory, System.Net.Sockets.SocketFlags.None, timeout.Token).ConfigureAwait(false);
            // PostgreSQL closes the connection once it has read the request.
            await socket.ReceiveAsync(new byte[1], System.Net.Sockets.SocketFlags.None, timeout.Token).ConfigureAwait(false);
            WireLog.CancelForwarded(_services.Logger, ProcessId, backend.Node.Id);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException or IOException)
        {
            WireLog.CancelIgnored(_services.Logger, ProcessId, e.GetType().Name);
        }
    }
}
