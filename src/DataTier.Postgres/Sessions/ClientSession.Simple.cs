using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.Sql.Tree;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;

namespace DataTier.Postgres.Sessions;

/// <content>The simple query protocol, and the statements DataTier answers itself (datatier.* settings, deferred BEGIN, resets).</content>
internal sealed partial class ClientSession
{
    private const string SettingPrefix = "datatier.";

    private async Task HandleQueryAsync(string sql, CancellationToken cancellationToken)
    {
        var analysis = await AnalyzeAsync(sql, cancellationToken).ConfigureAwait(false);
        if (analysis.IsEmpty)
        {
            BackendMessageWriter.WriteEmptyQueryResponse(_output);
            BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var statements = analysis.Statements;
        if (_locallyFailed)
        {
            await HandleInFailedTransactionAsync(statements, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (statements is [{ Analysis.Kind: PgStatementKind.Copy } copy])
        {
            StatementGuard.Check(copy.Analysis, _user);
            await StartCopyInAsync(copy, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (TryAnswerLocally(statements))
        {
            BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var plan = RouteQuery(statements);
        if (plan.Split is not null)
        {
            await RunSplitInsertAsync(plan, null, sync: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (plan.FanOut)
        {
            await RunFanOutAsync(plan, sql, null, sync: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        var cacheRead = statements.Length == 1 ? CacheCandidate(statements[0], plan) : null;
        if (cacheRead is not null)
        {
            if (await TryServeCachedAsync(cacheRead, null, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            plan.MinLsn = cacheRead.Profile is null ? 0 : Math.Max(cacheRead.RequiredLsn, cacheRead.Key.WriteLsn);
        }

        bool retryable = cacheRead is null && IsRetryable(plan);
        ResetRefusalRetries();
        while (true)
        {
            await AcquireAsync(plan, cancellationToken).ConfigureAwait(false);
            if (cacheRead is not null && !plan.SkipFill)
            {
                await PrepareFillAsync(cacheRead, cancellationToken).ConfigureAwait(false);
            }

            TransactionStatus? status;
            try
            {
                if (retryable)
                {
                    BeginHold();
                }

                FrontendMessageWriter.WriteQuery(_backend!.Writer, sql);
                _expected.Enqueue(new Expectation(Expect.Query));
                await FlushBackendAsync(cancellationToken).ConfigureAwait(false);
                status = await RelayExpectedAsync(cancellationToken).ConfigureAwait(false);
                if (retryable && await ShouldRetryRefusalAsync(status, cancellationToken).ConfigureAwait(false)
                    && await TryDiscardForRetryAsync(plan, RouteQuery(statements)).ConfigureAwait(false) is { } next)
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

            await CompleteRoundTripAsync(status ?? TransactionStatus.Idle, plan, cancellationToken).ConfigureAwait(false);
            return;
        }
    }

    private Plan RouteQuery(System.Collections.Immutable.ImmutableArray<PgStatement> statements)
    {
        var plan = new Plan();
        var topology = _services.Topology.Current;
        foreach (var statement in statements)
        {
            if (IsDataTierSetting(statement.Analysis))
            {
                throw new WireException(SqlState.FeatureNotSupported, "Send SET datatier.* as a statement of its own, not together with other statements.");
            }

            StatementGuard.Check(statement.Analysis, _user);
            plan.Add(WireRouter.Route(topology, statement, statement.Analysis, ExplicitKey, null, []), statement);
        }

        return plan;
    }

    private async ValueTask<PgSqlAnalysis> AnalyzeAsync(string sql, CancellationToken cancellationToken)
    {
        var tables = await _services.ShardedTables.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _services.Analyses.Analyze(sql, tables);
        }
        catch (PgQueryException e)
        {
            throw new WireException(e.SqlState, e.Message) { Position = e.Position };
        }
    }

    /// <summary>In a transaction aborted by a cross-shard refusal only ROLLBACK (or COMMIT, which rolls back) is accepted.</summary>
    private async Task HandleInFailedTransactionAsync(System.Collections.Immutable.ImmutableArray<PgStatement> statements, CancellationToken cancellationToken)
    {
        if (statements.Length == 1 && statements[0].Analysis.Transaction?.Action is PgTransactionAction.Rollback or PgTransactionAction.Commit)
        {
            if (_backend is not null)
            {
                FrontendMessageWriter.WriteQuery(_backend.Writer, "ROLLBACK");
                _expected.Enqueue(new Expectation(Expect.SwallowQuery));
                await FlushBackendAsync(cancellationToken).ConfigureAwait(false);
                _backendStatus = await RelayExpectedAsync(cancellationToken).ConfigureAwait(false) ?? TransactionStatus.Idle;
            }

            _locallyFailed = false;
            _deferred.Clear();
            _transactionWrote = false;
            _writtenTables.Clear();
            _localKey = null;
            await ReleaseBackendAsync(discard: _backendStatus != TransactionStatus.Idle).ConfigureAwait(false);
            BackendMessageWriter.WriteCommandComplete(_output, "ROLLBACK");
            BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new WireException(SqlState.InFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
    }

    /// <summary>
    /// Answers a Query made only of statements DataTier handles itself; false when any statement needs a backend
    /// (then nothing was answered).
    /// </summary>
    private bool TryAnswerLocally(System.Collections.Immutable.ImmutableArray<PgStatement> statements)
    {
        foreach (var statement in statements)
        {
            if (!IsLocal(statement.Analysis))
            {
                return false;
            }
        }

        foreach (var statement in statements)
        {
            AnswerLocally(statement);
        }

        return true;
    }

    private bool IsLocal(PgStatementAnalysis a) => a.Kind switch
    {
        _ when IsDataTierSetting(a) => true,
        PgStatementKind.Reset => a.Setting?.Action == PgSettingAction.ResetAll,
        PgStatementKind.Discard or PgStatementKind.Unlisten => true,
        PgStatementKind.Set => a.Setting is { Name: "session_authorization", Action: PgSettingAction.SetDefault }
            || (_backend is null && _deferred.Count > 0 && (a.Setting is { IsLocal: true } || a.Setting?.Action == PgSettingAction.SetTransaction)),
        PgStatementKind.Select => a.Tables.IsEmpty && a.Functions is ["pg_advisory_unlock_all"],
        PgStatementKind.Utility => a.NodeType == "ClosePortalStmt" && _backend is null,
        PgStatementKind.Transaction => _backend is null && a.Transaction?.Action switch
        {
            PgTransactionAction.Begin or PgTransactionAction.Start => true,
            PgTransactionAction.Commit or PgTransactionAction.Rollback => _deferred.Count > 0,
            _ => false,
        },
        _ => false,
    };

    private static bool IsDataTierSetting(PgStatementAnalysis a) =>
        a.Kind is PgStatementKind.Set or PgStatementKind.Reset or PgStatementKind.Show
        && a.Setting?.Name is { } name && name.StartsWith(SettingPrefix, StringComparison.OrdinalIgnoreCase);

    private void AnswerLocally(PgStatement statement)
    {
        var a = statement.Analysis;
        if (IsDataTierSetting(a))
        {
            string? shown = ApplySetting(a.Setting!);
            if (shown is not null)
            {
                WriteSingleTextRow(a.Setting!.Name!, shown);
                BackendMessageWriter.WriteCommandComplete(_output, "SHOW");
            }
            else
            {
                BackendMessageWriter.WriteCommandComplete(_output, a.Kind == PgStatementKind.Reset ? "RESET" : "SET");
            }

            return;
        }

        switch (a.Kind)
        {
            case PgStatementKind.Reset:
                _sessionKey = null;
                _consistency = ConsistencyLevel.Session;
                _cacheMode = CacheMode.Auto;
                BackendMessageWriter.WriteCommandComplete(_output, "RESET");
                break;
            case PgStatementKind.Discard:
                // DISCARD ALL drops the session's prepared statements too; Npgsql sends it when a pooled connection is reused.
                if (a.Name is null or "ALL" or "all")
                {
                    _statements.Clear();
                    _sessionKey = null;
                    _consistency = ConsistencyLevel.Session;
                    _cacheMode = CacheMode.Auto;
                }

                BackendMessageWriter.WriteCommandComplete(_output, "DISCARD " + (a.Name ?? "ALL").ToUpperInvariant());
                break;
            case PgStatementKind.Unlisten:
                BackendMessageWriter.WriteCommandComplete(_output, "UNLISTEN");
                break;
            case PgStatementKind.Set:
                if (_deferred.Count > 0 && a.Setting?.Name != "session_authorization")
                {
                    _deferred.Add(statement.Text);
                }

                BackendMessageWriter.WriteCommandComplete(_output, "SET");
                break;
            case PgStatementKind.Select:
                // pg_advisory_unlock_all() of Npgsql's reset: no session-level advisory locks exist (the guard refuses them).
                BackendMessageWriter.WriteRowDescription(_output, [new FieldDescription("pg_advisory_unlock_all", 0, 0, 2278, 4, -1, FormatCode.Text)]);
                BackendMessageWriter.WriteDataRow(_output, [ReadOnlyMemory<byte>.Empty]);
                BackendMessageWriter.WriteCommandComplete(_output, "SELECT 1");
                break;
            case PgStatementKind.Utility:
                BackendMessageWriter.WriteCommandComplete(_output, "CLOSE CURSOR ALL");
                break;
            case PgStatementKind.Transaction when a.Transaction!.Action is PgTransactionAction.Begin or PgTransactionAction.Start:
                if (_deferred.Count > 0)
                {
                    BackendMessageWriter.WriteNoticeResponse(_output, PostgresErrorFields.Warning("25001", "there is already a transaction in progress"));
                }
                else
                {
                    // Sent with the transaction's first statement that routes, which decides its shard.
                    _deferred.Add(statement.Text);
                }

                BackendMessageWriter.WriteCommandComplete(_output, "BEGIN");
                break;
            case PgStatementKind.Transaction:
                // Nothing ran yet: there is nothing to commit or roll back.
                _deferred.Clear();
                _localKey = null;
                BackendMessageWriter.WriteCommandComplete(_output, a.Transaction!.Action == PgTransactionAction.Commit ? "COMMIT" : "ROLLBACK");
                break;
        }
    }

    /// <summary>Applies SET/RESET datatier.*; returns the value for SHOW, null otherwise.</summary>
    private string? ApplySetting(PgSettingStatement setting)
    {
        string name = setting.Name!.ToLowerInvariant();
        bool reset = setting.Action is PgSettingAction.Reset or PgSettingAction.SetDefault;
        switch (name)
        {
            case "datatier.shard_key":
                if (setting.Action == PgSettingAction.Show)
                {
                    return _localKey ?? _sessionKey ?? "";
                }

                string? key = reset || string.IsNullOrEmpty(setting.Value) ? null : setting.Value;
                if (setting.IsLocal)
                {
                    if (!InTransaction)
                    {
                        BackendMessageWriter.WriteNoticeResponse(_output, PostgresErrorFields.Warning("25P01", "SET LOCAL can only be used in transaction blocks"));
                        return null;
                    }

                    _localKey = key;
                }
                else
                {
                    _sessionKey = key;
                }

                return null;
            case "datatier.consistency":
                if (setting.Action == PgSettingAction.Show)
                {
                    return _consistency.ToString().ToLowerInvariant();
                }

                if (reset)
                {
                    _consistency = ConsistencyLevel.Session;
                    return null;
                }

                _consistency = setting.Value?.ToLowerInvariant() switch
                {
                    "eventual" => ConsistencyLevel.Eventual,
                    "session" => ConsistencyLevel.Session,
                    "strong" => ConsistencyLevel.Strong,
                    _ => throw new WireException(SqlState.InvalidParameterValue, $"invalid value for parameter \"datatier.consistency\": \"{setting.Value}\"", "Use eventual, session or strong."),
                };
                return null;
            case "datatier.cache":
                if (setting.Action == PgSettingAction.Show)
                {
                    return _cacheMode.ToString().ToLowerInvariant();
                }

                _cacheMode = reset ? CacheMode.Auto : setting.Value?.ToLowerInvariant() switch
                {
                    "auto" => CacheMode.Auto,
                    "fresh" => CacheMode.Fresh,
                    "bypass" => CacheMode.Bypass,
                    _ => throw new WireException(SqlState.InvalidParameterValue, $"invalid value for parameter \"datatier.cache\": \"{setting.Value}\"", "Use auto, fresh or bypass."),
                };
                return null;
            default:
                throw new WireException(SqlState.UndefinedObject, $"unrecognized configuration parameter \"{setting.Name}\"", "DataTier knows datatier.shard_key, datatier.consistency and datatier.cache.");
        }
    }

    private void WriteSingleTextRow(string column, string value)
    {
        BackendMessageWriter.WriteRowDescription(_output, [new FieldDescription(column, 0, 0, 25, -1, -1, FormatCode.Text)]);
        BackendMessageWriter.WriteDataRow(_output, [System.Text.Encoding.UTF8.GetBytes(value)]);
    }
}
