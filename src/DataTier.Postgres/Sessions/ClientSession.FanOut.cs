using System.Globalization;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Key-less reads of sharded tables: the statement runs on every shard in turn (each on a node the read rules pick,
/// with the session's own writes to that shard), and the client gets one answer: the first shard's descriptions,
/// every shard's rows, and one CommandComplete with the total, when that concatenation is exactly the answer; reads that
/// need merging go to <c>RunMergedAsync</c> (ClientSession.Merge.cs). An error on any shard ends the read with that error.
/// </content>
internal sealed partial class ClientSession
{
    // The fan-out in progress, which the relay consults: which shard answers now, and the rows so far.
    private FanOutProgress? _fanOut;

    private sealed class FanOutProgress
    {
        public int Index { get; set; }

        public long Rows { get; set; }

        public bool Failed { get; set; }

        public string Command { get; set; } = "SELECT";
    }

    /// <summary>Runs a fan-out Query (<paramref name="sql"/>) or batch (<paramref name="items"/>) on every shard.</summary>
    private async Task RunFanOutAsync(Plan plan, string? sql, BatchItem[]? items, bool sync, CancellationToken cancellationToken)
    {
        if (_backend is not null || InTransaction)
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "A read without a shard key runs on every shard and cannot run inside a transaction, which stays on one shard.",
                Routing.WireRouter.HowToNameTheKey);
        }

        if (items is not null && (!sync || items.Count(static i => i.Type == FrontendMessageType.Execute) != 1))
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "A read without a shard key runs on every shard and must be one Execute in a batch of its own, ended by Sync.",
                "Send it separately.");
        }

        var shards = _services.Topology.Current.Shards;
        if (plan.Merge is { } merge)
        {
            await RunMergedAsync(plan, merge, sql, items, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (shards.Any(static s => s.VisibilityRing is not null))
        {
            // A range is in a move: its rows are on two shards until the switch. The merged path reads each shard
            // through its ownership filter, so each row is answered once; the plan concatenates.
            var statement = plan.Statements[0];
            await RunMergedAsync(plan, Core.Sql.CrossShard.CrossShardPlanner.Plan(statement.Text, statement.Sharded), sql, items, cancellationToken).ConfigureAwait(false);
            return;
        }

        var progress = new FanOutProgress();
        _fanOut = progress;
        try
        {
            for (int i = 0; i < shards.Length && !progress.Failed; i++)
            {
                progress.Index = i;
                plan.Shard = shards[i];
                await AcquireAsync(plan, cancellationToken).ConfigureAwait(false);
                if (sql is not null)
                {
                    FrontendMessageWriter.WriteQuery(_backend!.Writer, sql);
                    _expected.Enqueue(new Expectation(Expect.Query));
                }
                else
                {
                    WriteToBackend(_backend!, items!, null);
                    FrontendMessageWriter.WriteSync(_backend!.Writer);
                    _expected.Enqueue(new Expectation(Expect.Sync));
                }

                await FlushBackendAsync(cancellationToken).ConfigureAwait(false);
                var status = await RelayExpectedAsync(cancellationToken).ConfigureAwait(false);
                RecordDigest(plan);
                _skipUntilSync = false;
                await ReleaseBackendAsync(discard: status != TransactionStatus.Idle).ConfigureAwait(false);
            }
        }
        finally
        {
            _fanOut = null;
        }

        if (!progress.Failed)
        {
            BackendMessageWriter.WriteCommandComplete(_output, string.Create(CultureInfo.InvariantCulture, $"{progress.Command} {progress.Rows}"));
        }

        _portals.Clear();
        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the relay passes a backend's answer on during a fan-out: descriptions and completions of the protocol
    /// steps only from the first shard, rows from all, CommandComplete never (the total is written at the end).
    /// </summary>
    private bool RelayDuringFanOut(in BackendMessage message)
    {
        if (_fanOut is not { } progress)
        {
            return true;
        }

        switch (message.Type)
        {
            case BackendMessageType.DataRow:
                return true;
            case BackendMessageType.CommandComplete:
                string tag = BackendMessageDecoder.DecodeCommandComplete(message);
                int space = tag.LastIndexOf(' ');
                if (space > 0 && long.TryParse(tag.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long rows))
                {
                    progress.Command = tag[..space];
                    progress.Rows += rows;
                }

                return false;
            default:
                return progress.Index == 0;
        }
    }

    /// <summary>An error on one shard ends the fan-out: the remaining shards are not asked.</summary>
    private void FanOutFailed()
    {
        if (_fanOut is { } progress)
        {
            progress.Failed = true;
        }
    }

    /// <summary>DataTier's local answers (ParseComplete, BindComplete) go out once, with the first shard's answers.</summary>
    private bool EmitLocalsDuringFanOut => _fanOut is not { Index: > 0 };
}
