using System.Buffers;
using System.Diagnostics;
using DataTier.Core.Execution;
using DataTier.Core.Ownership;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Writes a shard refused before writing anything, retried as the HTTP data path retries them: a rebalancing move's
/// fence (DTM01) is waited out and the write sent again, to the new owner once the range switched; a row the shard
/// says it does not own (DTW01) is sent again when the newest topology routes the key elsewhere (this instance's ring
/// was one switch behind). Only an autocommit round trip without transaction control can be retried: its statements
/// ran as one implicit transaction that the refusal rolled back whole. Its answers are held back until the round trip
/// ends, so that a retried attempt shows the client nothing; past <see cref="MaxHeldBytes"/> they go out and the
/// round trip can no longer be retried (the refusal, if one comes, reaches the client as it is).
/// </content>
internal sealed partial class ClientSession
{
    // A write's answers are a few small messages; a retry is only worth holding that much for.
    private const int MaxHeldBytes = 64 * 1024;
    private const int MaxReroutes = 3;

    private ArrayBufferWriter<byte>? _holdBuffer;
    private ArrayBufferWriter<byte>? _hold;
    private string? _heldRefusal;
    private long _refusedSince;
    private int _fencePauseMs;
    private int _reroutes;

    /// <summary>Where relayed and local answers go: the client, or the hold while a retryable round trip runs.</summary>
    private IBufferWriter<byte> AnswerTarget => _hold ?? (IBufferWriter<byte>)_output;

    /// <summary>A round trip that may be retried: autocommit, writing, without transaction control.</summary>
    private bool IsRetryable(Plan plan) =>
        plan.Writes && !InTransaction && plan.Statements.TrueForAll(static s => s.Analysis.Transaction is null);

    /// <summary>Starts a round trip's retry state (once per client round trip, not per attempt).</summary>
    private void ResetRefusalRetries()
    {
        _refusedSince = 0;
        _fencePauseMs = 2;
        _reroutes = 0;
    }

    private void BeginHold()
    {
        _holdBuffer ??= new ArrayBufferWriter<byte>(512);
        _holdBuffer.ResetWrittenCount();
        _hold = _holdBuffer;
        _heldRefusal = null;
    }

    /// <summary>Sends what was held to the client, in order; the round trip goes on as any other.</summary>
    private void ReleaseHold()
    {
        if (_hold is { } hold)
        {
            _output.Write(hold.WrittenSpan);
            _hold = null;
        }

        _heldRefusal = null;
    }

    /// <summary>Once the hold grows past what a retry is worth, its answers go out and the round trip goes on unheld.</summary>
    private void SpillHoldIfLarge()
    {
        if (_hold is { WrittenCount: > MaxHeldBytes } && _heldRefusal is null)
        {
            ReleaseHold();
        }
    }

    /// <summary>Notes a refusal DataTier retries, when the round trip is held (the error stays in the hold, in order).</summary>
    private void NoteRefusal(string? sqlState)
    {
        if (_hold is not null && sqlState is PostgresErrorMapper.FencedSqlState or OwnershipGuard.WrongShardSqlState)
        {
            _heldRefusal = sqlState;
        }
    }

    /// <summary>
    /// After a held round trip: true when it was refused in a way worth sending again and the wait for that is done
    /// (a fence: a short, growing pause within <c>DataTier:DataApi:FencedWriteWaitMs</c>; both: the newest topology).
    /// </summary>
    private async Task<bool> ShouldRetryRefusalAsync(TransactionStatus? status, CancellationToken cancellationToken)
    {
        return _heldRefusal is { } code && status == TransactionStatus.Idle && await WaitToRetryRefusalAsync(code, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The wait before a refused write (<paramref name="code"/>: DTM01 or DTW01) is sent again, then the newest topology;
    /// false when it is not sent again (the fence outlasted <c>FencedWriteWaitMs</c>, or the reroutes ran out).
    /// </summary>
    private async Task<bool> WaitToRetryRefusalAsync(string code, CancellationToken cancellationToken)
    {
        if (code == PostgresErrorMapper.FencedSqlState)
        {
            _refusedSince = _refusedSince == 0 ? Stopwatch.GetTimestamp() : _refusedSince;
            if (Stopwatch.GetElapsedTime(_refusedSince).TotalMilliseconds >= _services.FencedWriteWaitMs)
            {
                return false;
            }

            await Task.Delay(_fencePauseMs, cancellationToken).ConfigureAwait(false);
            _fencePauseMs = Math.Min(_fencePauseMs * 2, 50);
        }
        else if (_reroutes++ >= MaxReroutes)
        {
            return false;
        }

        try
        {
            await _services.Topology.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidDataException or System.Text.Json.JsonException)
        {
            // The catalog is out of reach: the retry is routed by the topology this instance has.
        }

        return true;
    }

    /// <summary>
    /// The plan the refused round trip goes again with, its attempt dropped (held answers, and the backend, idle: the
    /// refusal ended its transaction); null when it does not go again. After a fence it always does (the same shard
    /// once the fence lifts, or the new owner); after a wrong-shard refusal only when the key now routes elsewhere.
    /// </summary>
    private async Task<Plan?> TryDiscardForRetryAsync(Plan refused, Plan next)
    {
        if (_heldRefusal != PostgresErrorMapper.FencedSqlState && string.Equals(next.Shard?.Id, refused.Shard?.Id, StringComparison.Ordinal))
        {
            return null;
        }

        _services.Metrics.RefusedWriteRetries.WithLabels(_heldRefusal ?? "").Inc();
        _hold = null;
        _heldRefusal = null;
        await ReleaseBackendAsync(discard: false).ConfigureAwait(false);
        return next;
    }
}
