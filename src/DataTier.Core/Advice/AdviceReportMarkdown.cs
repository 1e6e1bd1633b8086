using System.Globalization;
using System.Text;

namespace DataTier.Core.Advice;

/// <summary>
/// The before/after report a DBA reads next to a run's scripts (<c>&lt;stamp&gt;_advice_run_N_report.md</c>): for
/// every recommended (and, on a validated run, rejected) index, each statement it helps with its calls, the planner's
/// estimated cost before and after, the latency the canary measured before and after, and what the index costs
/// writes; then the existing indexes worth a look and the run's notes.
/// </summary>
public static class AdviceReportMarkdown
{
    /// <summary>The report's text.</summary>
    public static string Render(AdviceReport report)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Index advice, run {report.RunId}");
        md.AppendLine();
        md.Append(CultureInfo.InvariantCulture, $"Ran {report.StartedAt:u} to {report.FinishedAt:u}; {report.StatementsAnalysed} statements analysed. ");
        md.AppendLine(report.Rejected is null
            ? "Not validated: the figures are the planner's estimates (hypopg); `datatier advise --validate` measures them on a canary shard."
            : "Validated: each index was built on a canary shard and its statements replayed there before and after.");
        md.AppendLine();
        Section(md, "Recommended", report.Recommendations, "Nothing to build: no candidate cut a statement's cost enough to pay for its writes.");
        if (report.Rejected is { Count: > 0 } rejected)
        {
            Section(md, "Rejected after measurement", rejected, "");
        }

        Findings(md, "Unused (safe to review for dropping)", report.Unused);
        Findings(md, "Not enough history yet (not called unused)", report.NotEnoughHistory);
        Findings(md, "Duplicates", report.Duplicates);
        Findings(md, "Invalid", report.Invalid);
        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes");
            md.AppendLine();
            foreach (string note in report.Notes)
            {
                md.AppendLine("- " + note);
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private static void Section(StringBuilder md, string title, IReadOnlyList<IndexRecommendation> recommendations, string none)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        md.AppendLine();
        if (recommendations.Count == 0)
        {
            md.AppendLine(none);
            md.AppendLine();
            return;
        }

        foreach (var r in recommendations)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### `{r.IndexName}` on {r.Table} ({string.Join(", ", r.Columns)})");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- Build: `{r.CreateSql}` on {string.Join(", ", r.Shards)}");
            string measuredSize = r.Measured is { IndexBytes: { } bytes } m ? string.Create(CultureInfo.InvariantCulture, $", {bytes / 1024} KiB measured on {m.Shard} (built in {m.BuildMs} ms)") : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"- Size: ~{r.EstimatedBytes / 1024} KiB estimated per shard{measuredSize}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- Benefit {r.Benefit} (calls x planner cost saved), write penalty {r.WritePenalty}");
            if (r.WriteCost is { } writeCost)
            {
                md.AppendLine("- Writes: " + writeCost);
            }

            if (r.Measured is { } measured)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- Measured on canary {measured.Shard}: {measured.Reason}");
            }

            md.AppendLine();
            md.AppendLine("| shard | statement | calls | est. cost before | est. cost after | measured before (ms) | measured after (ms) | speed-up |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var e in r.Statements)
            {
                var sm = r.Measured is { } m2 && m2.Shard == e.Shard ? m2.Statements.FirstOrDefault(s => s.Fingerprint == e.Fingerprint) : null;
                string before = sm?.BeforeMedianMs is { } b ? b.ToString("0.###", CultureInfo.InvariantCulture) : "";
                string after = sm?.AfterMedianMs is { } a ? a.ToString("0.###", CultureInfo.InvariantCulture) : "";
                string speedUp = sm?.SpeedUp is { } x ? x.ToString("0.##", CultureInfo.InvariantCulture) + "x" : sm?.Note is { } note ? Cell(note) : "";
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {e.Shard} | `{Cell(OneLine(e.Sql))}` | {e.Calls} | {e.CostBefore} | {e.CostAfter} | {before} | {after} | {speedUp} |");
            }

            md.AppendLine();
        }
    }

    private static void Findings(StringBuilder md, string title, IReadOnlyList<IndexFinding> findings)
    {
        if (findings.Count == 0)
        {
            return;
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        md.AppendLine();
        md.AppendLine("| index | table | scans by shard | size (KiB) | definition |");
        md.AppendLine("|---|---|---|---:|---|");
        foreach (var f in findings)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{f.IndexName}` | {f.Table} | {AdviceScriptWriter.ScansByShard(f)} | {f.Bytes / 1024} | `{Cell(f.Definition)}` |");
        }

        md.AppendLine();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string OneLine(string sql) => string.Join(' ', sql.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
