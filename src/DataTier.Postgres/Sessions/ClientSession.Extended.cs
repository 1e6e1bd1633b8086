using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;

namespace DataTier.Postgres.Sessions;

/// <content>
/// The extended query protocol. Messages are collected until Sync (or Flush), then routed as one batch: the batch's
/// Binds decide the shard (their parameters carry the keys), a backend is leased (or the pinned one used), and the
/// messages are sent with prepared statements renamed to their internal names and prepared on that backend first
/// when it has not seen them.
/// </content>
internal sealed partial class ClientSession
{
    private readonly Dictionary<string, ClientStatement> _statements = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClientStatement> _portals = new(StringComparer.Ordinal);
    private readonly List<BatchItem> _batch = [];
    private bool _skipUntilSync;

    private sealed record BatchItem(FrontendMessageType Type, ClientStatement? Statement, object? Message);

    private async Task HandleExtendedAsync(FrontendMessage message, CancellationToken cancellationToken)
    {
        if (_skipUntilSync)
        {
            return;
        }

        switch (message.Type)
        {
            case FrontendMessageType.Parse:
                var parse = FrontendMessageDecoder.DecodeParse(message);
                await AddParseAsync(parse, cancellationToken).ConfigureAwait(false);
                break;
            case FrontendMessageType.Bind:
                var bind = FrontendMessageDecoder.DecodeBind(message);
                var bound = FindStatement(bind.StatementName);
                _portals[bind.PortalName] = bound;
                _batch.Add(new BatchItem(message.Type, bound, bind));
                break;
            case FrontendMessageType.Describe:
                var describe = FrontendMessageDecoder.DecodeDescribe(message);
                var described = describe.Target == StatementOrPortal.Statement ? FindStatement(describe.Name) : _portals.GetValueOrDefault(describe.Name);
                _batch.Add(new BatchItem(message.Type, described, describe));
                break;
            case FrontendMessageType.Execute:
                var execute = FrontendMessageDecoder.DecodeExecute(message);
                _batch.Add(new BatchItem(message.Type, _portals.GetValueOrDefault(execute.PortalName), execute));
                break;
            case FrontendMessageType.Close:
                var close = FrontendMessageDecoder.DecodeClose(message);
                if (close.Target == StatementOrPortal.Statement)
                {
                    // Answered locally: the backends keep the statement under its internal name for other clients.
                    _statements.Remove(close.Name);
                }
                else
                {
                    _portals.Remove(close.Name);
                }

                _batch.Add(new BatchItem(message.Type, null, close));
                break;
        }
    }

    private async Task AddParseAsync(ParseMessage parse, CancellationToken cancellationToken)
    {
        if (parse.StatementName.Length > 0 && _statements.ContainsKey(parse.StatementName))
        {
            throw new WireException(SqlState.DuplicatePreparedStatement, $"prepared statement \"{parse.StatementName}\" already exists");
        }

        if (_statements.Count >= _services.Options.MaxPreparedStatementsPerClient && !_statements.ContainsKey(parse.StatementName))
        {
            throw new WireException(
                SqlState.ProgramLimitExceeded,
                $"This connection holds {_statements.Count} prepared statements, the most DataTier keeps per client.",
                $"Close statements you no longer need, or raise DataTier:Postgres:MaxPreparedStatementsPerClient (currently {_services.Options.MaxPreparedStatementsPerClient}).");
        }

        var analysis = await AnalyzeAsync(parse.Query, cancellationToken).ConfigureAwait(false);
        if (analysis.Statements.Length > 1)
        {
            throw new WireException(SqlState.SyntaxError, "cannot insert multiple commands into a prepared statement");
        }

        if (analysis.Statements is [var single] && !IsDataTierSetting(single.Analysis))
        {
            StatementGuard.Check(single.Analysis, _user);
        }

        var statement = new ClientStatement(parse.StatementName, parse.Query, parse.ParameterTypeOids, analysis);
        _statements[parse.StatementName] = statement;
        _batch.Add(new BatchItem(FrontendMessageType.Parse, statement, parse));
    }

    private ClientStatement FindStatement(string name) =>
        _statements.GetValueOrDefault(name)
        ?? throw new WireException(SqlState.InvalidSqlStatementName, name.Length == 0 ? "unnamed prepared statement does not exist" : $"prepared statement \"{name}\" does not exist");

    private static bool IsLocalSetting(ClientStatement? statement) => statement?.Statement is { } s && IsDataTierSetting(s.Analysis);

    private Task HandleFlushAsync(CancellationToken cancellationToken) =>
        _skipUntilSync ? _output.FlushAsync(cancellationToken).AsTask() : RunBatchAsync(sync: false, cancellationToken);

    private async Task HandleSyncAsync(CancellationToken cancellationToken)
    {
        if (_skipUntilSync)
        {
            _skipUntilSync = false;
            _batch.Clear();
        }

        await RunBatchAsync(sync: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An error DataTier raised inside a batch: reported once, then every message until Sync is skipped.</summary>
    private async Task FailBatchAsync(PostgresErrorFields fields, bool atSync, CancellationToken cancellationToken)
    {
        // Answers owed for the batch's earlier messages go first, as PostgreSQL sends them before the error.
        await RunBatchAsync(sync: false, cancellationToken, flushClient: false).ConfigureAwait(false);
        BackendMessageWriter.WriteErrorResponse(_output, fields);
        _batch.Clear();
        if (atSync)
        {
            await RunBatchAsync(sync: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _skipUntilSync = true;
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunBatchAsync(bool sync, CancellationToken cancellationToken, bool flushClient = true)
    {
        var items = _batch.ToArray();
        _batch.Clear();
        if (_locallyFailed && items.Any(NeedsBackend))
        {
            throw new WireException(SqlState.InFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
        }

        var plan = new Plan();
        bool needsBackend = _backend is not null;
        var topology = _services.Topology.Current;
        // A datatier.* SET runs here, in batch order, so that it routes the statements after it in the same batch.
        Dictionary<BatchItem, byte[]>? settings = null;
        foreach (var item in items)
        {
            if (item.Type == FrontendMessageType.Execute && IsLocalSetting(item.Statement))
            {
                settings ??= new Dictionary<BatchItem, byte[]>(ReferenceEqualityComparer.Instance);
                settings[item] = ExecuteSetting(item.Statement!.Statement!.Analysis);
                continue;
            }

            if (item.Type == FrontendMessageType.Bind && item.Statement?.Statement is { } statement)
            {
                if (IsDataTierSetting(statement.Analysis))
                {
                    continue;
                }

                plan.Add(WireRouter.Route(topology, statement, statement.Analysis, ExplicitKey, (BindMessage)item.Message!, item.Statement.ParameterTypes.AsSpan()), statement);
            }

            needsBackend |= NeedsBackend(item);
        }

        if (!needsBackend)
        {
            foreach (var item in items)
            {
                AnswerLocally(item, settings);
            }

            if (sync)
            {
                _portals.Clear();
                BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
            }

            if (flushClient)
            {
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (plan.Split is not null)
        {
            await RunSplitInsertAsync(plan, items, sync, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (plan.FanOut)
        {
            await RunFanOutAsync(plan, null, items, sync, cancellationToken).ConfigureAwait(false);
            return;
        }

        var cacheRead = sync && settings is null ? CacheCandidate(items, plan) : null;
        if (cacheRead is not null)
        {
            if (await TryServeCachedAsync(cacheRead, items, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            plan.MinLsn = cacheRead.Profile is null ? 0 : Math.Max(cacheRead.RequiredLsn, cacheRead.Key.WriteLsn);
        }

        bool retryable = sync && settings is null && cacheRead is null && IsRetryable(plan);
        ResetRefusalRetries();
        TransactionStatus? status;
        while (true)
        {
            await AcquireAsync(plan, cancellationToken).ConfigureAwait(false);
            if (cacheRead is not null && !plan.SkipFill)
            {
                await PrepareFillAsync(cacheRead, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (retryable)
                {
                    BeginHold();
                }

                WriteToBackend(_backend!, items, settings);
                if (sync)
                {
                    FrontendMessageWriter.WriteSync(_backend!.Writer);
                    _expected.Enqueue(new Expectation(Expect.Sync));
                }
                else
                {
                    FrontendMessageWriter.WriteFlush(_backend!.Writer);
                }

                await FlushBackendAsync(cancellationToken).ConfigureAwait(false);
                status = await RelayExpectedAsync(cancellationToken).ConfigureAwait(false);
                if (retryable && await ShouldRetryRefusalAsync(status, cancellationToken).ConfigureAwait(false)
                    && await TryDiscardForRetryAsync(plan, RouteBatch(items)).ConfigureAwait(false) is { } next)
                {
                    plan = next;
                    continue;
                }
            }
            finally
            {
                // Whatever ended the attempt, what was held goes out first, in order.
                ReleaseHold();
            }

            break;
        }

        if (sync)
        {
            if (status != TransactionStatus.InTransaction && status != TransactionStatus.Failed)
            {
                _portals.Clear();
            }

            await CompleteRoundTripAsync(status ?? TransactionStatus.Idle, plan, cancellationToken).ConfigureAwait(false);
        }
        else if (flushClient)
        {
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The route of a batch's bound statements by the newest topology (a refused batch sent again).</summary>
    private Plan RouteBatch(BatchItem[] items)
    {
        var plan = new Plan();
        var topology = _services.Topology.Current;
        foreach (var item in items)
        {
            if (item.Type == FrontendMessageType.Bind && item.Statement?.Statement is { } statement && !IsDataTierSetting(statement.Analysis))
            {
                plan.Add(WireRouter.Route(topology, statement, statement.Analysis, ExplicitKey, (BindMessage)item.Message!, item.Statement.ParameterTypes.AsSpan()), statement);
            }
        }

        return plan;
    }

    /// <summary>Writes a batch's messages to <paramref name="backend"/> (statements prepared there first), queueing what each answers.</summary>
    private void WriteToBackend(Backends.BackendConnection backend, BatchItem[] items, Dictionary<BatchItem, byte[]>? settings)
    {
        ClientStatement? unnamedSent = null;
        foreach (var item in items)
        {
            if (!NeedsBackend(item))
            {
                AnswerLocallyInSequence(item, settings);
                continue;
            }

            switch (item.Message)
            {
                case BindMessage bind:
                    Prepare(backend, item.Statement!, ref unnamedSent);
                    WriteBindRenamed(backend, bind, item.Statement!.InternalNameBytes);
                    _expected.Enqueue(new Expectation(Expect.Bind));
                    break;
                case DescribeMessage { Target: StatementOrPortal.Statement }:
                    Prepare(backend, item.Statement!, ref unnamedSent);
                    FrontendMessageWriter.WriteDescribe(backend.Writer, StatementOrPortal.Statement, item.Statement!.InternalName);
                    _expected.Enqueue(new Expectation(Expect.Describe));
                    break;
                case DescribeMessage describe:
                    FrontendMessageWriter.WriteDescribe(backend.Writer, StatementOrPortal.Portal, describe.Name);
                    _expected.Enqueue(new Expectation(Expect.Describe));
                    break;
                case ExecuteMessage execute:
                    FrontendMessageWriter.WriteExecute(backend.Writer, execute.PortalName, execute.MaxRows);
                    _expected.Enqueue(new Expectation(Expect.Execute));
                    break;
                case CloseMessage close:
                    FrontendMessageWriter.WriteClose(backend.Writer, StatementOrPortal.Portal, close.Name);
                    _expected.Enqueue(new Expectation(Expect.Close));
                    break;
            }
        }
    }

    /// <summary>Parse and statement Close are always answered here; a datatier.* SET is executed here; the rest goes to a backend.</summary>
    private static bool NeedsBackend(BatchItem item) => item.Type switch
    {
        FrontendMessageType.Parse => false,
        FrontendMessageType.Close => item.Message is CloseMessage { Target: StatementOrPortal.Portal },
        _ => !IsLocalSetting(item.Statement),
    };

    /// <summary>Local answers while no backend is involved: written straight to the client.</summary>
    private void AnswerLocally(BatchItem item, Dictionary<BatchItem, byte[]>? settings) =>
        BackendMessageWriter.WriteEncoded(_output, LocalAnswer(item, settings));

    /// <summary>Local answers inside a batch that also has backend messages: queued, so they go out in sequence.</summary>
    private void AnswerLocallyInSequence(BatchItem item, Dictionary<BatchItem, byte[]>? settings) =>
        _expected.Enqueue(new Expectation(Expect.Local, Local: LocalAnswer(item, settings)));

    private static byte[] LocalAnswer(BatchItem item, Dictionary<BatchItem, byte[]>? settings) => item.Type switch
    {
        FrontendMessageType.Parse => ParseCompleteBytes,
        FrontendMessageType.Bind => BindCompleteBytes,
        FrontendMessageType.Close => CloseCompleteBytes,
        FrontendMessageType.Describe => DescribeLocally(item),
        FrontendMessageType.Execute => settings![item],
        _ => [],
    };

    /// <summary>Runs SET/RESET/SHOW datatier.* and encodes its answer: DataRow and SHOW, or SET/RESET.</summary>
    private byte[] ExecuteSetting(Core.Sql.Tree.PgStatementAnalysis analysis)
    {
        string? shown = ApplySetting(analysis.Setting!);
        return shown is null
            ? Encode(w => BackendMessageWriter.WriteCommandComplete(w, analysis.Kind == Core.Sql.Tree.PgStatementKind.Reset ? "RESET" : "SET"))
            : Encode(w =>
            {
                BackendMessageWriter.WriteDataRow(w, [System.Text.Encoding.UTF8.GetBytes(shown)]);
                BackendMessageWriter.WriteCommandComplete(w, "SHOW");
            });
    }

    /// <summary>The Describe answer of a datatier.* statement: no parameters, and one text column for SHOW, else NoData.</summary>
    private static byte[] DescribeLocally(BatchItem item)
    {
        var setting = item.Statement?.Statement?.Analysis.Setting;
        byte[] rows = setting?.Action == Core.Sql.Tree.PgSettingAction.Show
            ? Encode(w => BackendMessageWriter.WriteRowDescription(w, [new FieldDescription(setting.Name!, 0, 0, 25, -1, -1, FormatCode.Text)]))
            : NoDataBytes;
        return item.Message is DescribeMessage { Target: StatementOrPortal.Statement } ? [.. NoParametersBytes, .. rows] : rows;
    }

    /// <summary>
    /// Prepares <paramref name="statement"/> on <paramref name="backend"/> under its internal name unless it already is
    /// (the unnamed statement: once per batch, since other sessions overwrite it between leases).
    /// </summary>
    private void Prepare(Backends.BackendConnection backend, ClientStatement statement, ref ClientStatement? unnamedSent)
    {
        if (statement.InternalName.Length == 0)
        {
            if (ReferenceEquals(unnamedSent, statement))
            {
                return;
            }

            unnamedSent = statement;
            FrontendMessageWriter.WriteParse(backend.Writer, "", statement.Sql, statement.ParameterTypes.AsSpan());
            _expected.Enqueue(new Expectation(Expect.Parse, Swallow: true));
            return;
        }

        if (backend.Prepared.Add(statement.InternalName))
        {
            FrontendMessageWriter.WriteParse(backend.Writer, statement.InternalName, statement.Sql, statement.ParameterTypes.AsSpan());
            _expected.Enqueue(new Expectation(Expect.Parse, Swallow: true, Prepared: statement.InternalName));
        }
    }

    /// <summary>The client's Bind with the statement name replaced: portal, new name, then the rest of the payload as received.</summary>
    private static void WriteBindRenamed(Backends.BackendConnection backend, BindMessage bind, byte[] name)
    {
        var payload = bind.Payload.Span;
        int portalEnd = payload.IndexOf((byte)0);
        int statementEnd = portalEnd + 1 + payload[(portalEnd + 1)..].IndexOf((byte)0);
        var rest = payload[(statementEnd + 1)..];
        int length = 4 + portalEnd + 1 + name.Length + 1 + rest.Length;
        var span = backend.Writer.GetSpan(length + 1);
        span[0] = (byte)FrontendMessageType.Bind;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        int at = 5;
        payload[..(portalEnd + 1)].CopyTo(span[at..]);
        at += portalEnd + 1;
        name.CopyTo(span[at..]);
        at += name.Length;
        span[at++] = 0;
        rest.CopyTo(span[at..]);
        backend.Writer.Advance(length + 1);
    }
}
