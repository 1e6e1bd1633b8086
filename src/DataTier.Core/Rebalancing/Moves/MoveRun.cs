using System.Diagnostics;
using System.Text.Json;
using DataTier.Core.Diagnostics;
using DataTier.Core.Ownership;
using DataTier.Core.Ring;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// One instance driving one move from its persisted phase: prepare, copy, catch up, fence + switch, verify, clean
/// up; or roll back when cancelled or stopped by an error before the switch. Every step can be repeated safely, so
/// whoever takes a move over (this instance restarted, or another) goes on from the phase the catalog records.
/// </summary>
internal sealed partial class MoveRun : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly MoveRecord _move;
    private readonly MoveProgress _progress;
    private readonly MoveRanges _ranges;
    private readonly string _instance;
    private readonly RebalancingOptions _options;
    private readonly MoveStore _store;
    private readonly CatalogTopologyStore _topologyStore;
    private readonly ITopologyProvider _topology;
    private readonly Func<string, IEnumerable<string>, Task>? _invalidate;
    private readonly ILogger _logger;
    private readonly DataTierMetrics _metrics;
    private readonly object _gate = new();
    private readonly Dictionary<string, NpgsqlDataSource> _shards = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, TableShape>> _shapes = new(StringComparer.Ordinal);
    private volatile bool _cancelRequested;
    private volatile bool _leaseLost;

    public MoveRun(MoveRecord move, string instance, RebalancingOptions options, MoveStore store, CatalogTopologyStore topologyStore, ITopologyProvider topology, Func<string, IEnumerable<string>, Task>? invalidate, DataTierMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        _move = move;
        _progress = move.Progress;
        _ranges = move.Spec.Ranges();
        _instance = instance;
        _options = options;
        _store = store;
        _topologyStore = topologyStore;
        _topology = topology;
        _invalidate = invalidate;
        _logger = logger;
        _cancelRequested = move.CancelRequested;
    }

    private long Id => _move.Id;

    private MoveSpec Spec => _move.Spec;

    /// <summary>Drives the move until it ends, the lease is lost or <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var keeper = KeepLeaseAsync(run);
        _metrics.RebalanceMoveDriving.Set(1);
        MarkProgress();
        try
        {
            Log.Driving(_logger, Id, _progress.Phase);
            await DriveAsync(run.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is OperationCanceledException && run.IsCancellationRequested) || ex is MoveLeaseLostException)
        {
            if (_leaseLost || ex is MoveLeaseLostException)
            {
                Log.LeaseLost(_logger, Id);
            }
            else
            {
                // A graceful stop: lift a fence this instance holds (nobody else drives the move yet) and hand the
                // move back at once so the next instance resumes without waiting for the lease to run out.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                if (_progress.Phase == MovePhases.Fencing)
                {
                    await UnfenceAllQuietlyAsync(timeout.Token).ConfigureAwait(false);
                }

                await IgnoreFailureAsync(() => _store.ReleaseAsync(Id, _instance, timeout.Token)).ConfigureAwait(false);
            }
        }
        finally
        {
            _metrics.RebalanceMoveDriving.Set(0);
            await run.CancelAsync().ConfigureAwait(false);
            await IgnoreFailureAsync(() => keeper).ConfigureAwait(false);
        }
    }

    private async Task DriveAsync(CancellationToken ct)
    {
        int failures = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                if (_cancelRequested && IsBeforeSwitch(_progress.Phase) && _progress.Phase != MovePhases.RollingBack)
                {
                    await UnfenceIfFencingAsync(ct).ConfigureAwait(false);
                    Update(p => { p.RollbackReason = "cancelled"; p.Phase = MovePhases.RollingBack; });
                }

                switch (_progress.Phase)
                {
                    case MovePhases.Preparing:
                        await PrepareAsync(ct).ConfigureAwait(false);
                        Update(p => { p.Phase = MovePhases.Copying; p.CopyStartedAt ??= DateTimeOffset.UtcNow; });
                        break;
                    case MovePhases.Copying:
                        await CopyAsync(ct).ConfigureAwait(false);
                        Update(p => { p.Phase = MovePhases.CatchingUp; p.CopyFinishedAt = DateTimeOffset.UtcNow; });
                        break;
                    case MovePhases.Fencing:
                        // Taken over (or restarted) in a fence nobody will finish: lift it and catch up again.
                        await RestoreGuardsAsync(ct).ConfigureAwait(false);
                        await UnfenceAllAsync(ct).ConfigureAwait(false);
                        Update(p =>
                        {
                            // The fence held writes from when it was taken until now: count it as this move's pause.
                            double held = p.FenceStartedAt is { } at ? (DateTimeOffset.UtcNow - at).TotalMilliseconds : 0;
                            p.LongestWritePauseMs = Math.Max(p.LongestWritePauseMs ?? 0, held);
                            p.Note($"resumed inside a write fence taken {held:0} ms ago: lifted it, catching up again");
                            p.Phase = MovePhases.CatchingUp;
                        });
                        await PersistAsync(ct).ConfigureAwait(false);
                        break;
                    case MovePhases.CatchingUp:
                        await CatchUpAndSwitchAsync(ct).ConfigureAwait(false);
                        break;
                    case MovePhases.Switched:
                        if (!await VerifyAsync(ct).ConfigureAwait(false))
                        {
                            return;
                        }

                        Update(p => { p.Phase = MovePhases.CleaningUp; SetPairs(p, "cleaning-up"); });
                        await PersistAsync(ct).ConfigureAwait(false);
                        break;
                    case MovePhases.CleaningUp:
                        await CleanUpAsync(ct).ConfigureAwait(false);
                        await ClearVisibilityAsync(ct).ConfigureAwait(false);
                        Update(p => { p.Phase = MovePhases.Done; SetPairs(p, "done"); });
                        await FinishAsync(MoveStates.Done, null, ct).ConfigureAwait(false);
                        Log.Finished(_logger, Id, MoveStates.Done, _progress.LongestWritePauseMs ?? 0);
                        return;
                    case MovePhases.RollingBack:
                        await RollBackAsync(ct).ConfigureAwait(false);
                        await ClearVisibilityAsync(ct).ConfigureAwait(false);
                        bool cancelled = _progress.RollbackReason == "cancelled";
                        Update(p => { p.Phase = MovePhases.Done; SetPairs(p, cancelled ? "cancelled" : "failed"); });
                        await FinishAsync(cancelled ? MoveStates.Cancelled : MoveStates.Failed, cancelled ? null : _progress.RollbackReason, ct).ConfigureAwait(false);
                        Log.Finished(_logger, Id, cancelled ? MoveStates.Cancelled : MoveStates.Failed, _progress.LongestWritePauseMs ?? 0);
                        return;
                    default:
                        throw new MoveFailedException($"Unknown phase '{_progress.Phase}'.");
                }

                failures = 0;
            }
            catch (Exception ex) when (ex is MoveFailedException or TopologyChangeException)
            {
                await FailAsync(ex.Message, ct).ConfigureAwait(false);
                if (!IsBeforeSwitch(_progress.Phase))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // A shard or the catalog failed a step: every step can be repeated, so wait and go on from the phase.
                failures++;
                Log.StepFailed(_logger, Id, _progress.Phase, failures, ex.GetType().Name, ex.Message);
                Update(p => p.Note($"{p.Phase} failed ({ex.GetType().Name}: {ex.Message}); retrying"));
                await UnfenceIfFencingAsync(ct).ConfigureAwait(false);
                if (failures >= 5)
                {
                    await FailAsync($"{_progress.Phase} failed 5 times in a row; last: {ex.Message}", ct).ConfigureAwait(false);
                    if (!IsBeforeSwitch(_progress.Phase))
                    {
                        return;
                    }

                    failures = 0;
                }

                await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
            }
        }
    }

    private static bool IsBeforeSwitch(string phase) =>
        phase is MovePhases.Preparing or MovePhases.Copying or MovePhases.CatchingUp or MovePhases.Fencing or MovePhases.RollingBack;

    // Before the switch a failure rolls the move back; after it, the routing has moved and the copies are kept.
    private async Task FailAsync(string reason, CancellationToken ct)
    {
        Log.MoveFailed(_logger, Id, _progress.Phase, reason);
        if (IsBeforeSwitch(_progress.Phase))
        {
            await UnfenceIfFencingAsync(ct).ConfigureAwait(false);
            Update(p => { p.Note("failed: " + reason); p.RollbackReason ??= reason; p.Phase = MovePhases.RollingBack; });
            return;
        }

        Update(p => { p.Note("failed after the switch: " + reason); SetPairs(p, "failed"); });
        await FinishAsync(MoveStates.Failed, reason, ct).ConfigureAwait(false);
    }

    private async Task PrepareAsync(CancellationToken ct)
    {
        foreach (string source in _ranges.Sources)
        {
            await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
            await ShapesAsync(source, conn, ct).ConfigureAwait(false);
            await ShardMoveOperations.InstallCaptureAsync(conn, Id, _ranges, source, Spec.Tables, ct).ConfigureAwait(false);
            // Keys claimed from here on are logged; the ones claimed before must have committed before the key copy.
            await IdempotencyKeyMoves.SettleClaimsAsync(conn, ct).ConfigureAwait(false);
        }

        foreach (string target in _ranges.Targets)
        {
            await using var conn = await OpenAsync(target, ct).ConfigureAwait(false);
            await ShapesAsync(target, conn, ct).ConfigureAwait(false);
            // Idle until the fence registers what the target receives (WatchReceivedAsync); installed now, outside it.
            await ShardMoveOperations.InstallTriggersAsync(conn, Spec.Tables, ct).ConfigureAwait(false);
        }

        // Fan-out reads must count each row once although both sides hold it for a while: before the switch a target
        // hides what it receives, after it a source hides what it gave; each for the ring reads route by then.
        string before = Spec.RoutingRing().Fingerprint, after = Spec.TargetRing().Fingerprint;
        var floors = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            await ShardMoveOperations.InstallVisibilityAsync(conn, Spec.Tables, ct).ConfigureAwait(false);
            await ShardMoveOperations.HideAsync(conn, Id, before, shard, _ranges.Segments.Where(s => s.Moves && s.To == shard).ToList(), ct).ConfigureAwait(false);
            await ShardMoveOperations.HideAsync(conn, Id, after, shard, _ranges.Segments.Where(s => s.Moves && s.From == shard).ToList(), ct).ConfigureAwait(false);
            floors[shard] = await ShardMoveOperations.CurrentLsnAsync(conn, ct).ConfigureAwait(false);
        }

        await _topologyStore.ChangeAsync(doc => TopologyChanges.SetScatterFilter(doc, floors, on: true), ct).ConfigureAwait(false);
        await IgnoreFailureAsync(() => _topology.RefreshAsync(ct)).ConfigureAwait(false);
        // Every instance follows a topology change within a second (LISTEN, else the poll): copy only after that.
        await Task.Delay(FilterPropagation, ct).ConfigureAwait(false);
    }

    // The shards whose fan-out reads filter by ownership while the move runs.
    private IEnumerable<string> MoveShards => _ranges.Sources.Concat(_ranges.Targets).Distinct(StringComparer.Ordinal);

    private static readonly TimeSpan FilterPropagation = TimeSpan.FromSeconds(2);

    // After the clean-up or a roll-back every shard holds only its own rows again.
    private async Task ClearVisibilityAsync(CancellationToken ct)
    {
        // Replicas serve fan-out reads without the filter only once they have replayed the deletes that made it moot.
        var floors = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            floors[shard] = await ShardMoveOperations.CurrentLsnAsync(conn, ct).ConfigureAwait(false);
        }

        await _topologyStore.ChangeAsync(doc => TopologyChanges.SetScatterFilter(doc, floors, on: false), ct).ConfigureAwait(false);
        await IgnoreFailureAsync(() => _topology.RefreshAsync(ct)).ConfigureAwait(false);
        await Task.Delay(FilterPropagation, ct).ConfigureAwait(false);
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            await ShardMoveOperations.UnhideAsync(conn, Id, ct).ConfigureAwait(false);
        }
    }

    private async Task CopyAsync(CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        long copiedHere = 0;
        foreach (var pair in _progress.Pairs)
        {
            Update(_ => pair.State = "copying");
            await using var source = await OpenAsync(pair.From, ct).ConfigureAwait(false);
            await using var target = await OpenAsync(pair.To, ct).ConfigureAwait(false);
            var shapes = await ShapesAsync(pair.From, source, ct).ConfigureAwait(false);
            foreach (var table in Spec.Tables)
            {
                for (int slice = pair.SlicesDone.GetValueOrDefault(table.Name); slice < ShardMoveOperations.Slices; slice++)
                {
                    await ShardMoveOperations.CopySliceAsync(source, target, shapes[table.Name], _ranges, pair.From, pair.To, slice, _options.CopyBatchRows, async rows =>
                    {
                        Update(_ => pair.RowsCopied += rows);
                        _metrics.RebalanceRowsCopied.Inc(rows);
                        MarkProgress();
                        copiedHere += rows;
                        if (_options.CopyRowsPerSecond > 0)
                        {
                            var due = TimeSpan.FromSeconds((double)copiedHere / _options.CopyRowsPerSecond) - Stopwatch.GetElapsedTime(started);
                            if (due > TimeSpan.Zero)
                            {
                                await Task.Delay(due, ct).ConfigureAwait(false);
                            }
                        }

                        ct.ThrowIfCancellationRequested();
                    }, ct).ConfigureAwait(false);
                    int done = slice + 1;
                    Update(_ => pair.SlicesDone[table.Name] = done);
                    if (_cancelRequested)
                    {
                        return;
                    }
                }
            }

            // After the rows: a key copied here is committed, and one claimed since the registration is in the log.
            await IdempotencyKeyMoves.CopyAsync(source, target, _ranges, pair.From, pair.To, _options.CopyBatchRows, ct).ConfigureAwait(false);
            Update(_ => pair.State = "catching-up");
        }
    }

    private async Task CatchUpAndSwitchAsync(CancellationToken ct)
    {
        Update(p => SetPairs(p, "catching-up"));
        while (!_cancelRequested)
        {
            // Drain what was captured while copying, then fence only when what is left is small.
            while (await CatchUpRoundAsync(ct).ConfigureAwait(false) >= _options.CopyBatchRows)
            {
                ct.ThrowIfCancellationRequested();
            }

            long backlog = 0;
            foreach (string source in _ranges.Sources)
            {
                await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
                backlog += await ShardMoveOperations.BacklogAsync(conn, Id, ct).ConfigureAwait(false);
            }

            if (backlog > _options.FenceBacklogRows)
            {
                continue;
            }

            if (await TryFenceAndSwitchAsync(ct).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    // Applies one batch of captured changes per source; returns how many were applied in all.
    private async Task<int> CatchUpRoundAsync(CancellationToken ct)
    {
        int total = 0;
        foreach (string source in _ranges.Sources)
        {
            await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
            var targets = new Dictionary<string, NpgsqlConnection>(StringComparer.Ordinal);
            try
            {
                Func<string, Task<NpgsqlConnection>> targetOf = async id => targets.TryGetValue(id, out var c) ? c : targets[id] = await OpenAsync(id, ct).ConfigureAwait(false);
                var applied = await ShardMoveOperations.CatchUpAsync(conn, targetOf,
                    await ShapesAsync(source, conn, ct).ConfigureAwait(false), _ranges, Id, source, _options.CopyBatchRows, ct).ConfigureAwait(false);
                // Keys claimed since the registration; inside the fence the last of them (claims there are refused).
                total += await IdempotencyKeyMoves.CatchUpAsync(conn, targetOf, Id, _options.CopyBatchRows, ct).ConfigureAwait(false);
                foreach (var (target, n) in applied)
                {
                    Update(p => p.Pairs.Single(x => x.From == source && x.To == target).ChangesApplied += n);
                    total += n;
                    _metrics.RebalanceChangesApplied.Inc(n);
                    MarkProgress();
                }
            }
            finally
            {
                foreach (var c in targets.Values)
                {
                    await c.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        return total;
    }

    private async Task<bool> TryFenceAndSwitchAsync(CancellationToken ct)
    {
        // Durable before the fence is taken: whoever resumes a move recorded in 'fencing' lifts the fence first.
        Update(p => { p.FenceAttempts++; p.Phase = MovePhases.Fencing; p.FenceStartedAt = DateTimeOffset.UtcNow; });
        await PersistAsync(ct).ConfigureAwait(false);
        int budget = Spec.MaxWritePauseMs;
        long fencedAt = Stopwatch.GetTimestamp();
        int Remaining() => budget - (int)Stopwatch.GetElapsedTime(fencedAt).TotalMilliseconds;
        long toVersion;
        try
        {
            foreach (string source in _ranges.Sources)
            {
                await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
                await ShardMoveOperations.FenceAsync(conn, Id, Remaining(), ct).ConfigureAwait(false);
            }

            Update(p => SetPairs(p, "fenced"));
            while (await CatchUpRoundAsync(ct).ConfigureAwait(false) > 0)
            {
                if (Remaining() <= 0)
                {
                    throw new FenceTimeoutException("the final catch-up");
                }
            }

            var floors = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (string target in _ranges.Targets)
            {
                await using var conn = await OpenAsync(target, ct).ConfigureAwait(false);
                // From here every write to the received ranges is logged on the target: the verification leaves those
                // keys out, so it needs nothing from this instance and works for whoever resumes the move.
                await ShardMoveOperations.WatchReceivedAsync(conn, Id, _ranges, target, ct).ConfigureAwait(false);
                floors[target] = await ShardMoveOperations.CurrentLsnAsync(conn, ct).ConfigureAwait(false);
            }

            if (_invalidate is not null)
            {
                // A cached read of a moving key on a target could only be from an earlier move away from it: stale.
                foreach (string target in _ranges.Targets)
                {
                    await IgnoreFailureAsync(() => _invalidate(target, Spec.Tables.Select(t => t.Name)).WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, Remaining())), ct)).ConfigureAwait(false);
                }
            }

            if (_options.TestHoldFenceMs > 0 && _progress.FenceAttempts == 1)
            {
                await Task.Delay(_options.TestHoldFenceMs, ct).ConfigureAwait(false);
            }

            if (Remaining() <= 0)
            {
                throw new FenceTimeoutException("the switch");
            }

            var switched = Copy(p => { p.Phase = MovePhases.Switched; p.SwitchedAt = DateTimeOffset.UtcNow; SetPairs(p, "switched"); });
            (toVersion, _) = await _topologyStore.ChangeAsync(
                doc => TopologyChanges.SwitchRouting(doc, Spec.RoutingWeights, Spec.TargetWeights, floors),
                async (conn, tx, version, token) =>
                {
                    switched.ToVersion = version;
                    // Before the catalog commits: a write routed by the new version must be accepted where it lands.
                    // Should this fail, the switch does not commit (and the transition is undone with the fence).
                    await GuardTransitionAsync(version, token).ConfigureAwait(false);
                    await MoveStore.RecordInTransactionAsync(conn, tx, Id, _instance, switched, token).ConfigureAwait(false);
                },
                ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FenceTimeoutException or PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable })
        {
            double held = Stopwatch.GetElapsedTime(fencedAt).TotalMilliseconds;
            string what = ex is FenceTimeoutException f ? f.Step : "waiting for in-flight writes";
            // No transition to undo here: it is written in the switch's own transaction, the fence's last step.
            await UnfenceAllAsync(ct).ConfigureAwait(false);
            Update(p =>
            {
                p.Note($"fence {p.FenceAttempts} lifted after {held:0} ms: {what} did not finish within {budget} ms; writes went on at the old owners");
                p.LongestWritePauseMs = Math.Max(p.LongestWritePauseMs ?? 0, held);
                p.Phase = MovePhases.CatchingUp;
                SetPairs(p, "catching-up");
            });
            await PersistAsync(ct).ConfigureAwait(false);
            Log.FenceLifted(_logger, Id, held, what);
            _metrics.RebalanceWritePause.WithLabels("lifted").Observe(held / 1000);
            return false;
        }

        double pause = Stopwatch.GetElapsedTime(fencedAt).TotalMilliseconds;
        Update(p =>
        {
            p.Phase = MovePhases.Switched;
            p.SwitchedAt = DateTimeOffset.UtcNow;
            p.ToVersion = toVersion;
            p.LongestWritePauseMs = Math.Max(p.LongestWritePauseMs ?? 0, pause);
            p.Note($"switched to topology version {toVersion} after a write fence of {pause:0} ms");
            SetPairs(p, "switched");
        });
        Log.Switched(_logger, Id, toVersion, pause);
        _metrics.RebalanceWritePause.WithLabels("switched").Observe(pause / 1000);
        await IgnoreFailureAsync(() => _topology.RefreshAsync(ct)).ConfigureAwait(false);
        // The switch is in force: each shard of the move now follows the new ring exactly (the sources refuse what
        // they gave away). Should a shard be out of reach, every instance's guard synchronizer does it later.
        await IgnoreFailureAsync(() => GuardFollowAsync(toVersion, ct)).ConfigureAwait(false);
        await PersistAsync(ct).ConfigureAwait(false);
        return true;
    }

    // Compares each pair's rows on the (fenced, unchanging) source with the target's, leaving out the keys written on
    // the target since the switch (logged there): every other row must be the same on both sides.
    private async Task<bool> VerifyAsync(CancellationToken ct)
    {
        if (_options.TestHoldSwitchedMs > 0)
        {
            await Task.Delay(_options.TestHoldSwitchedMs, ct).ConfigureAwait(false);
        }

        var mismatches = new List<string>();
        foreach (var pair in _progress.Pairs)
        {
            await using var source = await OpenAsync(pair.From, ct).ConfigureAwait(false);
            await using var target = await OpenAsync(pair.To, ct).ConfigureAwait(false);
            var shapes = await ShapesAsync(pair.From, source, ct).ConfigureAwait(false);
            foreach (var table in Spec.Tables)
            {
                string written;
                (long Rows, decimal Checksum) right;
                // The log and the rows read in one snapshot: a key written after it is in neither.
                await using (var snapshot = await target.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct).ConfigureAwait(false))
                {
                    written = await ShardMoveOperations.WrittenSinceSwitchAsync(target, snapshot, Id, table.Name, ct).ConfigureAwait(false);
                    right = await ShardMoveOperations.ChecksumAsync(target, snapshot, shapes[table.Name], _ranges, pair.From, pair.To, written, ct).ConfigureAwait(false);
                    await snapshot.CommitAsync(ct).ConfigureAwait(false);
                }

                var left = await ShardMoveOperations.ChecksumAsync(source, null, shapes[table.Name], _ranges, pair.From, pair.To, written, ct).ConfigureAwait(false);
                string result = left == right ? $"{left.Rows} rows, checksums match" : $"source {left.Rows} rows / {left.Checksum}, target {right.Rows} rows / {right.Checksum}";
                Update(_ => pair.Verification[table.Name] = result);
                MarkProgress();
                if (left != right)
                {
                    mismatches.Add($"{table.Name} {pair.From}->{pair.To}: {result}");
                }
            }
        }

        if (mismatches.Count > 0)
        {
            Update(p => { p.Verified = false; SetPairs(p, "failed"); });
            await FinishAsync(MoveStates.Failed, "Verification failed; the sources keep their copies: " + string.Join("; ", mismatches), ct).ConfigureAwait(false);
            return false;
        }

        Update(p => p.Verified = true);
        return true;
    }

    private async Task CleanUpAsync(CancellationToken ct)
    {
        var due = (_progress.SwitchedAt ?? DateTimeOffset.UtcNow) + TimeSpan.FromSeconds(_options.CleanupGraceSeconds) - DateTimeOffset.UtcNow;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, ct).ConfigureAwait(false);
        }

        foreach (string source in _ranges.Sources)
        {
            await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
            var shapes = await ShapesAsync(source, conn, ct).ConfigureAwait(false);
            foreach (var table in Spec.Tables)
            {
                await ShardMoveOperations.DeleteRangesAsync(conn, shapes[table.Name], _ranges, source, null, _options.CopyBatchRows, ct).ConfigureAwait(false);
            }

            await ShardMoveOperations.RemoveCaptureAsync(conn, Id, Spec.Tables, ct).ConfigureAwait(false);
        }

        await ForgetTargetLogsAsync(ct).ConfigureAwait(false);
    }

    // The targets' logs of writes since the switch (and their triggers, unless a shard is still a source).
    private async Task ForgetTargetLogsAsync(CancellationToken ct)
    {
        foreach (string target in _ranges.Targets)
        {
            await using var conn = await OpenAsync(target, ct).ConfigureAwait(false);
            await ShardMoveOperations.RemoveCaptureAsync(conn, -Id, Spec.Tables, ct).ConfigureAwait(false);
        }
    }

    // Undoes a move that did not switch: the routing never changed, so the targets' copies are deleted and the
    // sources stop capturing. Writes were never refused for long: the fence is lifted first.
    private async Task RollBackAsync(CancellationToken ct)
    {
        await RestoreGuardsAsync(ct).ConfigureAwait(false);
        await UnfenceAllAsync(ct).ConfigureAwait(false);
        foreach (var pair in _progress.Pairs)
        {
            await using var target = await OpenAsync(pair.To, ct).ConfigureAwait(false);
            await using var source = await OpenAsync(pair.From, ct).ConfigureAwait(false);
            var shapes = await ShapesAsync(pair.From, source, ct).ConfigureAwait(false);
            foreach (var table in Spec.Tables)
            {
                await ShardMoveOperations.DeleteRangesAsync(target, shapes[table.Name], _ranges, pair.From, pair.To, _options.CopyBatchRows, ct).ConfigureAwait(false);
            }
        }

        foreach (string source in _ranges.Sources)
        {
            await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
            await ShardMoveOperations.RemoveCaptureAsync(conn, Id, Spec.Tables, ct).ConfigureAwait(false);
        }

        await ForgetTargetLogsAsync(ct).ConfigureAwait(false);
    }

    // What each shard of the move accepts while the catalog commits the switch: its ranges on either ring.
    private async Task GuardTransitionAsync(long version, CancellationToken ct)
    {
        HashRing from = Spec.RoutingRing(), to = Spec.TargetRing();
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            // Forced: the catalog transaction holds the topology lock, so nothing newer can exist but a guard left
            // ahead by a catalog whose versions went back.
            await OwnershipGuard.SetRingAsync(conn, shard, version, GuardRing.Transition(shard, from, to), force: true, ct).ConfigureAwait(false);
        }
    }

    private async Task GuardFollowAsync(long version, CancellationToken ct)
    {
        var ring = GuardRing.Of(Spec.TargetRing());
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            await OwnershipGuard.SetRingAsync(conn, shard, version, ring, force: false, ct).ConfigureAwait(false);
        }
    }

    // Before the switch only: a transition written for a switch the catalog never committed is replaced by the
    // routing ring, at the catalog's newest version (forced: the transition carries the version that did not commit).
    private async Task RestoreGuardsAsync(CancellationToken ct)
    {
        var ring = GuardRing.Of(Spec.RoutingRing());
        long version = await _topologyStore.LatestVersionAsync(ct).ConfigureAwait(false);
        foreach (string shard in MoveShards)
        {
            await using var conn = await OpenAsync(shard, ct).ConfigureAwait(false);
            if (await OwnershipGuard.ReadAsync(conn, ct).ConfigureAwait(false) is { } state && state.Fingerprint.StartsWith(GuardRing.TransitionPrefix, StringComparison.Ordinal))
            {
                await OwnershipGuard.SetRingAsync(conn, shard, version, ring, force: true, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task UnfenceIfFencingAsync(CancellationToken ct)
    {
        if (_progress.Phase == MovePhases.Fencing)
        {
            await UnfenceAllAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task UnfenceAllAsync(CancellationToken ct)
    {
        foreach (string source in _ranges.Sources)
        {
            await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
            await ShardMoveOperations.UnfenceAsync(conn, Id, ct).ConfigureAwait(false);
        }
    }

    private async Task UnfenceAllQuietlyAsync(CancellationToken ct)
    {
        foreach (string source in _ranges.Sources)
        {
            await IgnoreFailureAsync(async () =>
            {
                await using var conn = await OpenAsync(source, ct).ConfigureAwait(false);
                await ShardMoveOperations.UnfenceAsync(conn, Id, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyDictionary<string, TableShape>> ShapesAsync(string shard, NpgsqlConnection conn, CancellationToken ct)
    {
        if (!_shapes.TryGetValue(shard, out var shapes))
        {
            shapes = (await ShardMoveOperations.ShapesAsync(conn, Spec.Tables, ct).ConfigureAwait(false)).ToDictionary(s => s.Table.Name, StringComparer.Ordinal);
            _shapes[shard] = shapes;
        }

        return shapes;
    }

    private async Task<NpgsqlConnection> OpenAsync(string shardId, CancellationToken ct)
    {
        if (!_shards.TryGetValue(shardId, out var source))
        {
            var snapshot = _topology.Current;
            var shard = snapshot.ShardsById.GetValueOrDefault(shardId) ?? snapshot.PendingShards.FirstOrDefault(s => s.Id == shardId)
                ?? throw new MoveFailedException($"Shard '{shardId}' is not in the topology any more.");
            var builder = new NpgsqlConnectionStringBuilder(shard.Primary.ConnectionString) { ApplicationName = "datatier-rebalance", Timeout = 10, MaxPoolSize = 16 };
            source = NpgsqlDataSource.Create(builder.ConnectionString);
            _shards[shardId] = source;
        }

        return await source.OpenConnectionAsync(ct).ConfigureAwait(false);
    }

    private async Task KeepLeaseAsync(CancellationTokenSource run)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(run.Token).ConfigureAwait(false))
        {
            try
            {
                var (held, cancel) = await _store.RenewAsync(Id, _instance, _options.MoveLeaseSeconds, Copy(_ => { }), run.Token).ConfigureAwait(false);
                if (!held)
                {
                    _leaseLost = true;
                    await run.CancelAsync().ConfigureAwait(false);
                    return;
                }

                _cancelRequested |= cancel;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The catalog is unreachable: the lease runs out unless a later renewal gets through.
                Log.RenewFailed(_logger, Id, ex.Message);
            }
        }
    }

    private async Task PersistAsync(CancellationToken ct)
    {
        var (held, cancel) = await _store.RenewAsync(Id, _instance, _options.MoveLeaseSeconds, Copy(_ => { }), ct).ConfigureAwait(false);
        if (!held)
        {
            throw new MoveLeaseLostException(Id);
        }

        _cancelRequested |= cancel;
    }

    private async Task FinishAsync(string state, string? error, CancellationToken ct)
    {
        if (!await _store.FinishAsync(Id, _instance, state, Copy(_ => { }), error, ct).ConfigureAwait(false))
        {
            throw new MoveLeaseLostException(Id);
        }

        _metrics.RebalanceMovesFinished.WithLabels(state).Inc();
    }

    private void Update(Action<MoveProgress> change)
    {
        lock (_gate)
        {
            string phase = _progress.Phase;
            change(_progress);
            // A fence taken, or lifted again for another catch-up, is no step forward: a move whose fences keep
            // failing to take their locks must look stuck (DataTierRebalanceMoveStuck), not busy.
            if (_progress.Phase != phase && _progress.Phase != MovePhases.Fencing && !(phase == MovePhases.Fencing && _progress.Phase == MovePhases.CatchingUp))
            {
                MarkProgress();
            }
        }
    }

    // Once per batch or step, never per row: what the stuck-move alert measures the silence of.
    private void MarkProgress() => _metrics.RebalanceMoveProgressTime.Set(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);

    // A copy of the progress with a change applied, made under the lock (the lease keeper serialises concurrently).
    private MoveProgress Copy(Action<MoveProgress> change)
    {
        lock (_gate)
        {
            var copy = JsonSerializer.Deserialize<MoveProgress>(JsonSerializer.Serialize(_progress, Json), Json)!;
            change(copy);
            return copy;
        }
    }

    private static void SetPairs(MoveProgress progress, string state)
    {
        foreach (var pair in progress.Pairs)
        {
            pair.State = state;
        }
    }

    private static async Task IgnoreFailureAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Best effort: the caller goes on either way.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _shards.Values)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class FenceTimeoutException(string step) : Exception($"{step} did not finish within the write pause")
    {
        public string Step { get; } = step;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.MoveDriving, EventName = "MoveDriving", Level = LogLevel.Information, Message = "Driving rebalancing move {MoveId} from phase {Phase}")]
        public static partial void Driving(ILogger logger, long moveId, string phase);

        [LoggerMessage(EventId = LogEventIds.MoveSwitched, EventName = "MoveSwitched", Level = LogLevel.Information, Message = "Rebalancing move {MoveId} switched the routing to topology version {Version}; writes were held {PauseMs:0} ms")]
        public static partial void Switched(ILogger logger, long moveId, long version, double pauseMs);

        [LoggerMessage(EventId = LogEventIds.MoveFenceLifted, EventName = "MoveFenceLifted", Level = LogLevel.Warning, Message = "Rebalancing move {MoveId} lifted its write fence after {HeldMs:0} ms: {Step} did not finish in time; retrying later")]
        public static partial void FenceLifted(ILogger logger, long moveId, double heldMs, string step);

        [LoggerMessage(EventId = LogEventIds.MoveStepFailed, EventName = "MoveStepFailed", Level = LogLevel.Warning, Message = "Rebalancing move {MoveId} failed in {Phase} ({Failures} in a row; {ExceptionType}: {Reason}); retrying")]
        public static partial void StepFailed(ILogger logger, long moveId, string phase, int failures, string exceptionType, string reason);

        [LoggerMessage(EventId = LogEventIds.MoveFailed, EventName = "MoveFailed", Level = LogLevel.Error, Message = "Rebalancing move {MoveId} failed in {Phase}: {Reason}")]
        public static partial void MoveFailed(ILogger logger, long moveId, string phase, string reason);

        [LoggerMessage(EventId = LogEventIds.MoveFinished, EventName = "MoveFinished", Level = LogLevel.Information, Message = "Rebalancing move {MoveId} ended {State}; longest write pause {PauseMs:0} ms")]
        public static partial void Finished(ILogger logger, long moveId, string state, double pauseMs);

        [LoggerMessage(EventId = LogEventIds.MoveLeaseLost, EventName = "MoveLeaseLost", Level = LogLevel.Warning, Message = "Rebalancing move {MoveId} is driven by another instance now; stopped here")]
        public static partial void LeaseLost(ILogger logger, long moveId);

        [LoggerMessage(EventId = LogEventIds.MoveLeaseRenewFailed, EventName = "MoveLeaseRenewFailed", Level = LogLevel.Warning, Message = "Renewing the lease of rebalancing move {MoveId} failed: {Reason}")]
        public static partial void RenewFailed(ILogger logger, long moveId, string reason);
    }
}
