namespace DataTier.Core.Diagnostics;

/// <summary>Merges DataTier's digest with pg_stat_statements from every node into the slow-query view.</summary>
public static class SlowQueryReport
{
    /// <summary>Statements DataTier itself sends around every request; not the workload.</summary>
    private static readonly HashSet<string> Internal = new(StringComparer.Ordinal)
    {
        "begin read only", "commit", "rollback", "begin", "set local statement_timeout = ?",
    };

    /// <summary>Builds the view.</summary>
    public static IReadOnlyList<SlowQueryEntry> Build(IReadOnlyList<DigestSnapshot> digest, IReadOnlyList<PostgresStatement> postgres, double slowThresholdMs, string? shard, long minCalls, string sort, int limit)
    {
        var byFingerprint = postgres.Where(p => p.Fingerprint is not null && !Internal.Contains(p.Fingerprint) && !p.Fingerprint.Contains("pg_stat_statements", StringComparison.Ordinal))
            .GroupBy(p => p.Fingerprint!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var digestByFingerprint = digest.GroupBy(d => d.Fingerprint, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var entries = new List<SlowQueryEntry>();
        foreach (var fingerprint in byFingerprint.Keys.Union(digestByFingerprint.Keys))
        {
            digestByFingerprint.TryGetValue(fingerprint, out var ours);
            byFingerprint.TryGetValue(fingerprint, out var theirs);
            if (shard is not null && !(ours?.Shards.Contains(shard) ?? false) && !(theirs?.Any(t => t.ShardId == shard) ?? false))
            {
                continue;
            }

            var figures = theirs is null ? null : Sum(theirs);
            long calls = Math.Max(ours?.Calls ?? 0, figures?.Calls ?? 0);
            if (calls < minCalls)
            {
                continue;
            }

            var slowShards = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var s in figures?.Shards ?? [])
            {
                if (s.MeanMs >= slowThresholdMs)
                {
                    slowShards.Add(s.Shard);
                }
            }

            if (ours is not null && ours.MeanMs >= slowThresholdMs)
            {
                slowShards.UnionWith(ours.Shards);
            }

            string id = ours?.FingerprintId ?? Sql.Fnv1a64.HashUtf8(fingerprint).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            entries.Add(new SlowQueryEntry(id, fingerprint, ours, figures, slowShards.ToList(), slowShards.Count > 0));
        }

        Func<SlowQueryEntry, double> key = sort switch
        {
            "mean" => e => e.DataTier?.MeanMs ?? e.Postgres?.MeanMs ?? 0,
            "p99" => e => e.DataTier?.P99Ms ?? e.Postgres?.MeanMs ?? 0,
            "calls" => e => Math.Max(e.DataTier?.Calls ?? 0, e.Postgres?.Calls ?? 0),
            _ => e => Math.Max(e.DataTier?.TotalMs ?? 0, e.Postgres?.TotalMs ?? 0),
        };
        return entries.OrderByDescending(key).Take(limit).ToList();
    }

    private static PostgresFigures Sum(List<PostgresStatement> rows)
    {
        long calls = rows.Sum(r => r.Calls);
        double total = rows.Sum(r => r.TotalMs);
        // Pooled standard deviation of the per-node samples around the overall mean.
        double mean = calls == 0 ? 0 : total / calls;
        double variance = calls == 0 ? 0 : rows.Sum(r => r.Calls * ((r.StddevMs * r.StddevMs) + ((r.MeanMs - mean) * (r.MeanMs - mean)))) / calls;
        var shards = rows.GroupBy(r => r.ShardId, StringComparer.Ordinal)
            .Select(g => new ShardFigures(g.Key, g.Sum(r => r.Calls), g.Sum(r => r.Calls) == 0 ? 0 : g.Sum(r => r.TotalMs) / g.Sum(r => r.Calls)))
            .OrderBy(s => s.Shard, StringComparer.Ordinal).ToList();
        return new PostgresFigures(calls, total, mean, Math.Sqrt(variance), rows.Sum(r => r.Rows), rows.Sum(r => r.SharedBlocksHit), rows.Sum(r => r.SharedBlocksRead), rows.Sum(r => r.TempBlocks), shards);
    }
}
