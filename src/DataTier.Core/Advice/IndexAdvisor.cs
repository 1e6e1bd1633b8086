using DataTier.Core.Advice.Validation;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Execution;
using DataTier.Core.Health;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Advice;

/// <summary>
/// The index advisor: takes the workload since its last run (pg_stat_statements deltas from every node, DataTier's
/// digest, pg_qualstats predicates), builds candidate indexes from the heaviest statements' generic plans, costs them
/// with hypopg on each shard's primary, chooses a set for the whole workload (benefit minus write overhead, within a
/// storage budget, at least the configured cost cut), and reports unused, duplicate and invalid indexes.
/// </summary>
public sealed partial class IndexAdvisor(
    ITopologyProvider topology,
    NodeDataSources sources,
    NodeHealthMonitor health,
    DatabaseInspector inspector,
    QueryDigest digest,
    AdviceStore store,
    CanaryValidator validator,
    IOptions<AdvisorOptions> options,
    TimeProvider time,
    ILogger<IndexAdvisor> logger)
{
    private readonly AdvisorOptions _options = options.Value;

    /// <summary>Runs the advisor once, validated as <c>DataTier:Advisor:Validate</c> says.</summary>
    public Task<AdviceReport> RunAsync(string trigger, string instance, CancellationToken cancellationToken) =>
        RunAsync(trigger, instance, _options.Validate, cancellationToken);

    /// <summary>
    /// Runs the advisor once, proving each recommendation on a canary shard when <paramref name="validate"/>; fails
    /// with a conflict when another run (on any instance) is in progress.
    /// </summary>
    public async Task<AdviceReport> RunAsync(string trigger, string instance, bool validate, CancellationToken cancellationToken)
    {
        await using var connection = await store.TryLockAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new DataTierException(DataTierErrorKind.Conflict, "advisor-running", "An index advisor run is already in progress.");
        long runId = await store.BeginRunAsync(connection, trigger, instance, cancellationToken).ConfigureAwait(false);
        Log.RunStarted(logger, runId, trigger);
        try
        {
            var report = await AnalyseAsync(connection, runId, cancellationToken).ConfigureAwait(false);
            if (validate && report.Recommendations.Count > 0)
            {
                var notes = report.Notes.ToList();
                var (kept, dropped) = await validator.ValidateAsync(report.Recommendations, notes, cancellationToken).ConfigureAwait(false);
                report = report with { Recommendations = kept.Select(WithWriteCost).ToList(), Rejected = dropped.Select(WithWriteCost).ToList(), Notes = notes, FinishedAt = time.GetUtcNow() };
            }

            await store.FinishRunAsync(connection, runId, report, null, cancellationToken).ConfigureAwait(false);
            Log.RunFinished(logger, runId, report.Recommendations.Count, report.Unused.Count, report.Duplicates.Count);
            return report;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await store.FinishRunAsync(connection, runId, null, e.Message, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<AdviceReport> AnalyseAsync(NpgsqlConnection catalog, long runId, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var notes = new List<string>();
        var snapshot = topology.Current;
        var unreachable = snapshot.Shards.SelectMany(s => s.Nodes).Where(n => !health.Get(n).Reachable).Select(n => n.Id).ToList();
        if (unreachable.Count > 0)
        {
            notes.Add($"Not reachable, left out of the workload and of the unused-index check: {string.Join(", ", unreachable)}.");
        }

        var workload = await CollectWorkloadAsync(catalog, cancellationToken).ConfigureAwait(false);
        var (tableWrites, unmeasuredWrites) = await TableWritesAsync(catalog, snapshot, notes, cancellationToken).ConfigureAwait(false);
        var lastRun = await store.LastBaselineAtAsync(catalog, cancellationToken).ConfigureAwait(false);
        double windowSeconds = lastRun is { } last ? Math.Max(1, (started - last).TotalSeconds) : 0;
        var qualPredicates = await QualPredicatesAsync(snapshot, notes, cancellationToken).ConfigureAwait(false);
        var digestByFingerprint = digest.Snapshot().GroupBy(d => d.Fingerprint).ToDictionary(g => g.Key, g => g.Sum(d => d.Calls), StringComparer.Ordinal);

        var inventory = new Dictionary<string, IReadOnlyList<ExistingIndex>>(StringComparer.Ordinal);
        foreach (var node in snapshot.Shards.SelectMany(s => s.Nodes).Where(n => !unreachable.Contains(n.Id)))
        {
            inventory[node.Id] = await IndexInventory.ReadAsync(sources, node, cancellationToken).ConfigureAwait(false);
        }

        var chosen = new Dictionary<string, (CandidateIndex Index, long Bytes, double Benefit, double Penalty, long? Rows, List<string> Shards, List<StatementEvidence> Evidence)>(StringComparer.Ordinal);
        int analysed = 0;
        foreach (var shard in snapshot.Shards.Where(s => !unreachable.Contains(s.Primary.Id)))
        {
            var statements = workload.Where(w => w.Shard == shard.Id).OrderByDescending(w => w.TotalExecMs).Take(_options.TopStatements).ToList();
            if (statements.Count == 0)
            {
                continue;
            }

            var existing = inventory[shard.Primary.Id];
            await using var session = await PlanningSession.OpenAsync(sources, shard.Primary, _options.StatementTimeoutMs, cancellationToken).ConfigureAwait(false);
            var costed = new List<(WorkloadStatement Statement, string PlannedSql, double BaseCost, Dictionary<string, double> With)>();
            var candidates = new Dictionary<string, CandidateIndex>(StringComparer.Ordinal);
            // Statements that name no application table (probes, DataTier's own diagnostics) have nothing to index.
            var userTables = tableWrites.Keys.Where(k => k.Shard == shard.Id).Select(k => k.Table[(k.Table.IndexOf('.', StringComparison.Ordinal) + 1)..]).ToList();
            foreach (var statement in statements.Where(s => userTables.Any(t => NamesTable(s.Sql, t))))
            {
                var (plan, error) = await session.ExplainAsync(statement.Sql, cancellationToken).ConfigureAwait(false);
                if (plan is null)
                {
                    notes.Add($"{shard.Id}: could not plan '{Shorten(statement.Sql)}': {error}");
                    continue;
                }

                analysed++;
                var facts = PlanReader.Read(plan);
                if (facts.TotalCost < _options.MinStatementCost)
                {
                    continue;
                }

                // Planned with the literals it always carries and a sampled LIKE prefix, where pg_qualstats saw them.
                string planned = SampledValues.Inline(statement.Sql, facts,
                    statement.QueryIds.SelectMany(id => qualPredicates.GetValueOrDefault((shard.Id, id)) ?? []).ToList());
                if (planned != statement.Sql)
                {
                    var (valued, _) = await session.ExplainAsync(planned, cancellationToken).ConfigureAwait(false);
                    (facts, planned) = valued is null ? (facts, statement.Sql) : (PlanReader.Read(valued), planned);
                }

                foreach (long queryId in statement.QueryIds)
                {
                    if (qualPredicates.TryGetValue((shard.Id, queryId), out var quals))
                    {
                        foreach (var (table, column, equality) in quals.Where(q => q.Operator != "~~").Select(q => (q.Table, q.Column, q.Operator == "=")))
                        {
                            if (facts.Tables.FirstOrDefault(t => t.Table == table) is { } access)
                            {
                                TableAccess.AddOnce(equality ? access.Equality : access.Range, column);
                            }
                        }
                    }
                }

                var mine = facts.Tables.SelectMany(t => CandidateGenerator.For(t, _options.MaxColumns))
                    .Where(c => !existing.Any(e => e.Valid && e.Simple && e.AccessMethod == "btree" && e.Schema == c.Schema && e.Table == c.Table && c.IsCoveredBy(e.Columns)))
                    .ToList();
                if (mine.Count == 0)
                {
                    continue;
                }

                costed.Add((statement, planned, facts.TotalCost, new Dictionary<string, double>(StringComparer.Ordinal)));
                foreach (var c in mine)
                {
                    candidates.TryAdd(c.Key, c);
                }
            }

            var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var candidate in candidates.Values.ToList())
            {
                try
                {
                    sizes[candidate.Key] = await session.CreateHypotheticalAsync(candidate, cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException e)
                {
                    // A candidate the server cannot build (text_pattern_ops on a cast of a jsonb column, say) is one bad
                    // guess, not a reason to fail the run: it is left out, and the note says why.
                    candidates.Remove(candidate.Key);
                    notes.Add($"{shard.Id}: candidate '{candidate.HypotheticalSql}' not costed: {e.SqlState} {e.MessageText}");
                    continue;
                }

                foreach (var entry in costed.Where(c => c.Statement.Sql.Contains(candidate.Table, StringComparison.Ordinal)))
                {
                    var (plan, _) = await session.ExplainAsync(entry.PlannedSql, cancellationToken).ConfigureAwait(false);
                    // A covering index is worth its extra width only when it does make the statement index-only.
                    if (plan is not null && PlanReader.Read(plan) is var with && (candidate.Include is not { Count: > 0 } || with.IndexOnlyScan))
                    {
                        entry.With[candidate.Key] = with.TotalCost;
                    }
                }

                await session.ResetHypotheticalAsync(cancellationToken).ConfigureAwait(false);
            }

            var choices = IndexSelector.Select(
                costed.Select(c => new IndexSelector.CostedStatement(c.Statement.Fingerprint, c.Statement.Calls, c.BaseCost, c.With)).ToList(),
                candidates.Values.Select(c => new IndexSelector.CostedCandidate(c, sizes[c.Key],
                    IndexWriteCost.Penalty(tableWrites.GetValueOrDefault((shard.Id, $"{c.Schema}.{c.Table}")), _options.WriteCostPerRow, sizes[c.Key]))).ToList(),
                _options.MinCostReduction, _options.StorageBudgetBytes);

            foreach (var choice in choices)
            {
                var key = choice.Candidate.Index.Key;
                if (!chosen.TryGetValue(key, out var entry))
                {
                    entry = (choice.Candidate.Index, 0, 0, 0, 0, [], []);
                }

                // Rows written in the window on every shard of the index; unknown as soon as one shard had no window.
                entry.Rows = unmeasuredWrites.Contains(shard.Id) ? null
                    : entry.Rows + tableWrites.GetValueOrDefault((shard.Id, $"{choice.Candidate.Index.Schema}.{choice.Candidate.Index.Table}"));

                entry.Bytes = Math.Max(entry.Bytes, choice.Candidate.Bytes);
                entry.Benefit += choice.Benefit;
                entry.Penalty += choice.Candidate.WritePenalty;
                entry.Shards.Add(shard.Id);
                foreach (string fingerprint in choice.StatementsServed)
                {
                    var c = costed.First(x => x.Statement.Fingerprint == fingerprint);
                    entry.Evidence.Add(new StatementEvidence(shard.Id, fingerprint, c.Statement.Sql, c.Statement.Calls, Math.Round(c.Statement.TotalExecMs, 3),
                        digestByFingerprint.GetValueOrDefault(fingerprint), Math.Round(c.BaseCost, 2), Math.Round(c.With[key], 2)));
                }

                chosen[key] = entry;
            }
        }

        var recommendations = chosen.Values
            .Select(c => WithWriteCost(new IndexRecommendation($"{c.Index.Schema}.{c.Index.Table}", c.Index.Name, c.Index.Columns, c.Index.CreateSql, c.Index.DropSql,
                c.Bytes, Math.Round(c.Benefit, 1), Math.Round(c.Penalty, 1), c.Shards, c.Evidence, RowsWritten: c.Rows, WriteWindowSeconds: Math.Round(windowSeconds, 1))))
            .OrderByDescending(r => r.Benefit).ToList();
        var observedHours = await ObservedHoursAsync(catalog, snapshot, unreachable, cancellationToken).ConfigureAwait(false);
        var (unused, notEnoughHistory, duplicates, invalid) = Hygiene(snapshot, inventory, unreachable, observedHours);
        if (notEnoughHistory.Count > 0)
        {
            notes.Add($"{notEnoughHistory.Count} indexes with (almost) no scans are listed under notEnoughHistory, not unused: the statistics cover "
                + string.Join(", ", observedHours.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Value:0.#} h on {o.Key}"))
                + $", less than DataTier:Advisor:UnusedMinObservedHours (currently {_options.UnusedMinObservedHours}).");
        }

        // The baselines are taken after this run's own EXPLAINs, so they never count as workload next time.
        await SaveBaselinesAsync(catalog, snapshot, cancellationToken).ConfigureAwait(false);
        return new AdviceReport(runId, started, time.GetUtcNow(), analysed, recommendations, unused, duplicates, invalid, notes, notEnoughHistory);
    }

    private async Task<List<WorkloadStatement>> CollectWorkloadAsync(NpgsqlConnection catalog, CancellationToken cancellationToken)
    {
        var baselines = await store.StatementBaselinesAsync(catalog, cancellationToken).ConfigureAwait(false);
        // A fan-out read with an order or a limit reaches each shard wrapped (ScatterStatements.ForShard): it is counted
        // as the statement the caller sent, so its scatter and routed runs (HTTP or wire) are one statement, and its
        // fingerprint is the digest's.
        var rows = (await inspector.StatementsAsync(cancellationToken).ConfigureAwait(false))
            .Select(r => ScatterStatements.Unwrap(r.Query) is { } inner ? r with { Query = inner, Fingerprint = DatabaseInspector.FingerprintOf(inner) } : r);
        return rows
            .Where(r => r.Fingerprint is not null && !IsUtility(r.Query))
            .Select(r => (Row: r, Delta: new StatementCounters(r.Calls, r.TotalMs).Since(baselines.TryGetValue((r.NodeId, r.QueryId), out var b) ? b : null)))
            .Where(x => x.Delta.Calls > 0)
            .GroupBy(x => (x.Row.ShardId, x.Row.Fingerprint!))
            .Select(g => new WorkloadStatement(g.Key.ShardId, g.Key.Item2, g.OrderByDescending(x => x.Delta.Calls).First().Row.Query,
                g.Sum(x => x.Delta.Calls), g.Sum(x => x.Delta.TotalExecMs), g.Select(x => x.Row.QueryId).Distinct().ToList()))
            .ToList();
    }

    private async Task SaveBaselinesAsync(NpgsqlConnection catalog, TopologySnapshot snapshot, CancellationToken cancellationToken)
    {
        var rows = await inspector.StatementsAsync(cancellationToken).ConfigureAwait(false);
        var statements = new Dictionary<(string, long), StatementCounters>();
        foreach (var r in rows)
        {
            statements[(r.NodeId, r.QueryId)] = new StatementCounters(r.Calls, r.TotalMs);
        }

        var tables = await TableCountersAsync(snapshot, cancellationToken).ConfigureAwait(false);
        await store.SaveBaselinesAsync(catalog, statements, tables, cancellationToken).ConfigureAwait(false);
    }

    // Rows inserted, updated and deleted per table on each shard primary since the last run: the write rate that makes
    // an index more expensive to keep. A primary with no baseline at all (the advisor's first run, or a node new since)
    // has no window to measure: its counters go back to the statistics' reset and hold the initial bulk load, which
    // would outweigh any read workload (5000 demo rows loaded cost 25000 against 60 reads saving ~120 each), so no
    // write penalty is charged there until the next run has a baseline. A table missing from a node's baseline was
    // created since the last run, so all its writes are in the window and count.
    private async Task<(Dictionary<(string Shard, string Table), long> Rows, SortedSet<string> Unmeasured)> TableWritesAsync(
        NpgsqlConnection catalog, TopologySnapshot snapshot, List<string> notes, CancellationToken cancellationToken)
    {
        var baselines = await store.TableBaselinesAsync(catalog, cancellationToken).ConfigureAwait(false);
        var measured = baselines.Keys.Select(k => k.Node).ToHashSet(StringComparer.Ordinal);
        var now = await TableCountersAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<(string, string), long>();
        var unmeasured = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ((node, table), writes) in now)
        {
            string shard = snapshot.Shards.First(s => s.Primary.Id == node).Id;
            if (!measured.Contains(node))
            {
                unmeasured.Add(shard);
                result[(shard, table)] = 0;
                continue;
            }

            long before = baselines.TryGetValue((node, table), out long b) && b <= writes ? b : 0;
            result[(shard, table)] = writes - before;
        }

        if (unmeasured.Count > 0)
        {
            notes.Add($"No earlier run to measure writes from on {string.Join(", ", unmeasured)}: no write penalty charged there this time (the next run charges the writes since this one).");
        }

        return (result, unmeasured);
    }

    // The write cost a DBA reads, from the size the index was judged on: the canary's measured size once validated.
    private IndexRecommendation WithWriteCost(IndexRecommendation r)
    {
        bool measured = r.Measured?.IndexBytes is not null;
        long bytes = r.Measured?.IndexBytes ?? r.EstimatedBytes;
        double penalty = r.RowsWritten is { } rows ? Math.Round(IndexWriteCost.Penalty(rows, _options.WriteCostPerRow, bytes), 1) : 0;
        return r with
        {
            WritePenalty = measured ? penalty : r.WritePenalty,
            WriteCost = IndexWriteCost.Describe(r.Table, r.WriteRowsPerSecond, r.WriteWindowSeconds, bytes, measured, measured ? penalty : r.WritePenalty, _options.WriteCostPerRow),
        };
    }

    private async Task<Dictionary<(string Node, string Table), long>> TableCountersAsync(TopologySnapshot snapshot, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), long>();
        foreach (var primary in snapshot.Shards.Select(s => s.Primary).Where(n => health.Get(n).Reachable))
        {
            var tables = await inspector.QueryAsync<TableWrites>(primary,
                "select schemaname || '.' || relname as Table, n_tup_ins + n_tup_upd + n_tup_del as Writes from pg_stat_user_tables", cancellationToken).ConfigureAwait(false);
            foreach (var table in tables)
            {
                result[(primary.Id, table.Table)] = table.Writes;
            }
        }

        return result;
    }

    // pg_qualstats' sampled predicates (table, column, operator, constant) per (shard, queryid); optional.
    private async Task<Dictionary<(string Shard, long QueryId), List<QualPredicate>>> QualPredicatesAsync(
        TopologySnapshot snapshot, List<string> notes, CancellationToken cancellationToken)
    {
        const string sql =
            """
            select q.queryid as QueryId, c.relname::text as Table, a.attname::text as Column, o.oprname::text as Operator, q.constvalue::text as ConstValue
            from pg_qualstats() q
            join pg_class c on c.oid = q.lrelid
            join pg_attribute a on a.attrelid = q.lrelid and a.attnum = q.lattnum
            join pg_operator o on o.oid = q.opno
            where q.queryid is not null and q.rrelid is null and o.oprname in ('=', '<', '>', '<=', '>=', '~~')
            """;
        var result = new Dictionary<(string, long), List<QualPredicate>>();
        foreach (var node in snapshot.Shards.SelectMany(s => s.Nodes).Where(n => health.Get(n).Reachable))
        {
            try
            {
                foreach (var predicate in await inspector.QueryAsync<QualPredicate>(node, sql, cancellationToken).ConfigureAwait(false))
                {
                    var key = (node.ShardId, predicate.QueryId);
                    if (!result.TryGetValue(key, out var list))
                    {
                        result[key] = list = [];
                    }

                    list.Add(predicate);
                }
            }
            catch (PostgresException e)
            {
                notes.Add($"pg_qualstats not read on {node.Id}: {e.MessageText}");
                break;
            }
        }

        return result;
    }

    // Hours the index statistics cover on each reachable shard: from the later of the statistics' reset (the latest of
    // the shard's nodes; a replica's scans count too) and the advisor's first baseline, to now. Before any run there is
    // no baseline, so nothing is covered yet.
    private async Task<Dictionary<string, double>> ObservedHoursAsync(NpgsqlConnection catalog, TopologySnapshot snapshot, List<string> unreachable, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var firstBaseline = await store.FirstBaselineAtAsync(catalog, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var shard in snapshot.Shards)
        {
            var since = firstBaseline ?? now;
            foreach (var node in shard.Nodes.Where(n => !unreachable.Contains(n.Id)))
            {
                var resets = await inspector.QueryAsync<double?>(node,
                    "select extract(epoch from stats_reset)::float8 from pg_stat_database where datname = current_database()", cancellationToken).ConfigureAwait(false);
                if (resets.FirstOrDefault() is { } seconds)
                {
                    var reset = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
                    since = reset > since ? reset : since;
                }
            }

            result[shard.Id] = Math.Max(0, (now - since).TotalHours);
        }

        return result;
    }

    private (List<IndexFinding> Unused, List<IndexFinding> NotEnoughHistory, List<IndexFinding> Duplicates, List<IndexFinding> Invalid) Hygiene(
        TopologySnapshot snapshot, Dictionary<string, IReadOnlyList<ExistingIndex>> inventory, List<string> unreachable, Dictionary<string, double> observedHours)
    {
        var duplicates = new Dictionary<string, IndexFinding>(StringComparer.Ordinal);
        var invalid = new Dictionary<string, IndexFinding>(StringComparer.Ordinal);
        foreach (var shard in snapshot.Shards.Where(s => inventory.ContainsKey(s.Primary.Id)))
        {
            var indexes = inventory[shard.Primary.Id];
            foreach (var (dup, cover) in IndexInventory.Duplicates(indexes))
            {
                duplicates[dup.Key] = Merge(duplicates.GetValueOrDefault(dup.Key), dup, cover.Name, shard.Id);
            }

            foreach (var bad in indexes.Where(i => !i.Valid))
            {
                invalid[bad.Key] = Merge(invalid.GetValueOrDefault(bad.Key), bad, null, shard.Id);
            }
        }

        // Unused: scanned at most a few times summed over every node of every shard (a replica's reads count too), with
        // each shard's count reported, and only once the statistics cover the configured window on every shard that
        // has the index; before, "not enough history". Indexes DataTier owns or needs are never listed (KeptBecause).
        var unused = new List<IndexFinding>();
        var notEnoughHistory = new List<IndexFinding>();
        if (unreachable.Count == 0)
        {
            var all = inventory.SelectMany(n => n.Value.Select(i => (Node: n.Key, Index: i)))
                .Where(x => x.Index.KeptBecause is null && x.Index.Valid).GroupBy(x => x.Index.Key);
            foreach (var group in all)
            {
                long scans = group.Sum(x => x.Index.Scans);
                if (scans > _options.UnusedIndexMaxScans || duplicates.ContainsKey(group.Key))
                {
                    continue;
                }

                var first = group.First().Index;
                var byShard = snapshot.Shards
                    .Select(s => (s.Id, Scans: group.Where(x => s.Nodes.Any(n => n.Id == x.Node)).Select(x => (long?)x.Index.Scans).Sum()))
                    .Where(s => s.Scans is not null).ToDictionary(s => s.Id, s => s.Scans!.Value, StringComparer.Ordinal);
                bool covered = byShard.Keys.All(s => observedHours.GetValueOrDefault(s) >= _options.UnusedMinObservedHours);
                var finding = new IndexFinding($"{first.Schema}.{first.Table}", first.Name, first.Definition, scans, group.Max(x => x.Index.Bytes), null,
                    [.. byShard.Keys], covered ? DropSqlOf(first) : "", byShard);
                (covered ? unused : notEnoughHistory).Add(finding);
            }
        }

        return (unused.OrderByDescending(u => u.Bytes).ToList(), notEnoughHistory.OrderByDescending(u => u.Bytes).ToList(), duplicates.Values.ToList(), invalid.Values.ToList());
    }

    private static IndexFinding Merge(IndexFinding? known, ExistingIndex index, string? coveredBy, string shard) =>
        known is null
            ? new IndexFinding($"{index.Schema}.{index.Table}", index.Name, index.Definition, index.Scans, index.Bytes, coveredBy, [shard], DropSqlOf(index),
                new Dictionary<string, long>(StringComparer.Ordinal) { [shard] = index.Scans })
            : known with
            {
                Shards = [.. known.Shards, shard],
                Scans = known.Scans + index.Scans,
                ScansByShard = new Dictionary<string, long>(known.ScansByShard, StringComparer.Ordinal) { [shard] = index.Scans },
            };

    private static string DropSqlOf(ExistingIndex index) =>
        $"DROP INDEX CONCURRENTLY IF EXISTS {CandidateIndex.Quote(index.Schema)}.{CandidateIndex.Quote(index.Name)}";

    private static bool IsUtility(string query)
    {
        string head = query.TrimStart();
        return head.StartsWith("explain", StringComparison.OrdinalIgnoreCase) || head.StartsWith("prepare", StringComparison.OrdinalIgnoreCase)
            || head.StartsWith("deallocate", StringComparison.OrdinalIgnoreCase) || head.StartsWith("set ", StringComparison.OrdinalIgnoreCase)
            || head.StartsWith("create", StringComparison.OrdinalIgnoreCase) || head.StartsWith("drop", StringComparison.OrdinalIgnoreCase);
    }

    private static bool NamesTable(string sql, string table)
    {
        for (int at = sql.IndexOf(table, StringComparison.OrdinalIgnoreCase); at >= 0; at = sql.IndexOf(table, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            bool startsWord = at == 0 || !(char.IsLetterOrDigit(sql[at - 1]) || sql[at - 1] == '_');
            int end = at + table.Length;
            bool endsWord = end == sql.Length || !(char.IsLetterOrDigit(sql[end]) || sql[end] == '_');
            if (startsWord && endsWord)
            {
                return true;
            }
        }

        return false;
    }

    private static string Shorten(string sql) => sql.Length <= 120 ? sql : sql[..117] + "...";

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.AdvisorRunStarted, EventName = "AdvisorRunStarted", Level = LogLevel.Information, Message = "Index advisor run {RunId} started ({Trigger})")]
        public static partial void RunStarted(ILogger logger, long runId, string trigger);

        [LoggerMessage(EventId = LogEventIds.AdvisorRunFinished, EventName = "AdvisorRunFinished", Level = LogLevel.Information, Message = "Index advisor run {RunId} finished: {Recommendations} indexes to build, {Unused} unused, {Duplicates} duplicate")]
        public static partial void RunFinished(ILogger logger, long runId, int recommendations, int unused, int duplicates);
    }
}
