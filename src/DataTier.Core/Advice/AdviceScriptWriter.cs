using System.Globalization;
using System.Text;

namespace DataTier.Core.Advice;

/// <summary>
/// Writes a run's advice as scripts a DBA reviews: <c>&lt;dir&gt;/&lt;stamp&gt;_advice_run_N.sql</c> (one
/// <c>CREATE INDEX CONCURRENTLY IF NOT EXISTS</c> per index, the evidence in a header comment; applied by
/// <c>datatier migrate shards</c>), its rollback in <c>rollback/</c>, and the drops of unused and duplicate indexes in
/// <c>review/</c>, which nothing applies automatically; and the before/after report a DBA reads,
/// <c>&lt;stamp&gt;_advice_run_N_report.md</c> (<see cref="AdviceReportMarkdown"/>), for every run.
/// </summary>
public static class AdviceScriptWriter
{
    /// <summary>Writes the files; returns their paths (none when there is nothing to write).</summary>
    public static IReadOnlyList<string> Write(AdviceReport report, string directory)
    {
        var written = new List<string>();
        string stamp = report.FinishedAt.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        string name = $"{stamp}_advice_run_{report.RunId}";
        if (report.Recommendations.Count > 0)
        {
            Directory.CreateDirectory(Path.Combine(directory, "rollback"));
            var up = new StringBuilder();
            up.AppendLine(CultureInfo.InvariantCulture, $"-- DataTier index advice, run {report.RunId} ({report.FinishedAt:u}).");
            up.AppendLine("-- Review, then apply to every shard primary with: datatier migrate shards");
            up.AppendLine("-- Each index is built with CREATE INDEX CONCURRENTLY outside a transaction (writes go on), with a lock timeout,");
            up.AppendLine("-- retries, and an INVALID index from an earlier failed build rebuilt. Rollback: rollback/" + name + ".rollback.sql");
            foreach (var r in report.Recommendations)
            {
                up.AppendLine("--");
                up.AppendLine(CultureInfo.InvariantCulture, $"-- {r.IndexName} on {r.Table} ({string.Join(", ", r.Columns)}): ~{r.EstimatedBytes / 1024} KiB per shard, shards {string.Join(", ", r.Shards)}, benefit {r.Benefit} (calls x cost saved), write penalty {r.WritePenalty}");
                if (r.WriteCost is { } writeCost)
                {
                    up.AppendLine("--   writes: " + writeCost);
                }

                foreach (var e in r.Statements)
                {
                    up.AppendLine(CultureInfo.InvariantCulture, $"--   {e.Shard}: {e.Calls} calls, {e.TotalExecMs} ms; cost {e.CostBefore} -> {e.CostAfter} (-{e.CostReduction:P0}): {OneLine(e.Sql)}");
                }

                if (r.Measured is { } m)
                {
                    up.AppendLine(CultureInfo.InvariantCulture, $"--   measured on canary {m.Shard}: {m.Reason}; built in {m.BuildMs} ms, {m.IndexBytes / 1024} KiB (estimated ~{r.EstimatedBytes / 1024} KiB)");
                    foreach (var sm in m.Statements)
                    {
                        string figures = sm.SpeedUp is null
                            ? $"not measured: {sm.Note}"
                            : string.Create(CultureInfo.InvariantCulture, $"median {sm.BeforeMedianMs} ms -> {sm.AfterMedianMs} ms ({sm.SpeedUp}x, {sm.Runs} runs each)");
                        up.AppendLine(CultureInfo.InvariantCulture, $"--     {OneLine(r.Statements.FirstOrDefault(e => e.Fingerprint == sm.Fingerprint)?.Sql ?? sm.Fingerprint)}: {figures}");
                    }
                }
            }

            up.AppendLine();
            foreach (var r in report.Recommendations)
            {
                up.AppendLine(r.CreateSql + ";");
            }

            string path = Path.Combine(directory, name + ".sql");
            File.WriteAllText(path, up.ToString());
            written.Add(path);

            var down = new StringBuilder();
            down.AppendLine(CultureInfo.InvariantCulture, $"-- Rollback of {name}.sql: drops the indexes it built (concurrently, outside a transaction).");
            foreach (var r in report.Recommendations)
            {
                down.AppendLine(r.DropSql + ";");
            }

            string rollback = Path.Combine(directory, "rollback", name + ".rollback.sql");
            File.WriteAllText(rollback, down.ToString());
            written.Add(rollback);
        }

        if (report.Unused.Count + report.Duplicates.Count > 0)
        {
            Directory.CreateDirectory(Path.Combine(directory, "review"));
            var drops = new StringBuilder();
            drops.AppendLine("-- !!! REVIEW BEFORE RUNNING: DROPS EXISTING INDEXES. Never applied by datatier migrate; run by hand, per shard, if you agree.");
            drops.AppendLine(CultureInfo.InvariantCulture, $"-- DataTier index advice, run {report.RunId} ({report.FinishedAt:u}).");
            foreach (var f in report.Duplicates)
            {
                drops.AppendLine(CultureInfo.InvariantCulture, $"-- duplicate: {f.IndexName} on {f.Table} is covered by {f.CoveredBy} (shards {string.Join(", ", f.Shards)}). Was: {f.Definition}");
                drops.AppendLine(f.DropSql + ";");
            }

            foreach (var f in report.Unused)
            {
                drops.AppendLine(CultureInfo.InvariantCulture, $"-- unused on every shard: {f.IndexName} on {f.Table}, {f.Scans} scans on every node since statistics were reset ({ScansByShard(f)}), {f.Bytes / 1024} KiB. Was: {f.Definition}");
                drops.AppendLine(f.DropSql + ";");
            }

            string path = Path.Combine(directory, "review", $"{name}_drop_unused_and_duplicate.sql");
            File.WriteAllText(path, drops.ToString());
            written.Add(path);
        }

        string readable = Path.Combine(directory, name + "_report.md");
        Directory.CreateDirectory(directory);
        File.WriteAllText(readable, AdviceReportMarkdown.Render(report));
        written.Add(readable);
        return written;
    }

    /// <summary>A finding's scans per shard as <c>s1: 0, s2: 3</c> (empty for reports stored before they were counted).</summary>
    public static string ScansByShard(IndexFinding finding) =>
        finding.ScansByShard is null ? "" : string.Join(", ", finding.ScansByShard.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}"));

    private static string OneLine(string sql) => string.Join(' ', sql.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
