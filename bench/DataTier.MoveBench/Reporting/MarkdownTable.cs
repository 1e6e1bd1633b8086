using System.Globalization;
using System.Text;
using DataTier.Core.Rebalancing;

namespace DataTier.MoveBench.Reporting;

/// <summary>The run as a short Markdown page: one row per move, then where each move's time went.</summary>
internal static class MarkdownTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(MoveRateReport report)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        md.AppendLine(Inv, $"# Online move rate, {report.Stamp}");
        md.AppendLine();
        md.AppendLine(Inv, $"{report.DemoRows:N0} demo rows (--rows); {report.Cluster}. Commit {report.Commit}. {m.Cores} cores ({m.Cpu}), {m.MemoryGB:0.#} GB, {m.Runtime}, PostgreSQL {m.PostgreSql}.");
        var defaults = new RebalancingOptions();
        md.AppendLine(Inv, $"Server settings: {string.Join(", ", report.ServerSettings.Select(kv => $"{kv.Key}={(kv.Value is { Length: > 0 } v ? v : "\"\"")}"))}; the rest default " +
            $"(CopyBatchRows {defaults.CopyBatchRows}, MaxWritePauseMs {defaults.MaxWritePauseMs}, FenceBacklogRows {defaults.FenceBacklogRows}, CopyRowsPerSecond {defaults.CopyRowsPerSecond} = no limit).");
        md.AppendLine();
        md.AppendLine("| Move | Load | Rows copied (plan) | MB | Wall s | Copy s | Copy rows/s | Copy MB/s | Wall rows/s | Wall MB/s | Longest write pause ms | Fences | Verified | Load: writes/s, p99 / longest write ms, failures |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in report.Moves)
        {
            string load = r.Load is { } l ? string.Create(Inv, $"{l.WritesPerSecond:0}/s, {l.P99WriteMs:0} / {l.LongestWriteMs:0} ms, {l.Failures}") : "–";
            md.AppendLine(Inv, $"| {r.Name} ({r.Shards}) | {(r.UnderLoad ? "writes" : "idle")} | {r.RowsCopied:N0} ({r.PlanMovedRows:N0}) | {r.MovedMB:0.0} | {r.WallSeconds:0.0} | {r.CopySeconds:0.0} | " +
                $"{r.CopyRowsPerSecond:N0} | {r.CopyMBPerSecond:0.0} | {r.WallRowsPerSecond:N0} | {r.WallMBPerSecond:0.0} | {r.LongestWritePauseMs:0} | {r.FenceAttempts} | {(r.Verified ? "yes" : "no")} | {load} |");
        }

        md.AppendLine();
        md.AppendLine("Rows copied: the move document's rowsCopied (the plan's movedRows in brackets). MB: the plan's movedBytes / 1e6 (estimated from each table's size per row). " +
            "Copy rows/s: the document's rowsPerSecond, which the server computes over the copy phase only; copy s = rowsCopied / rowsPerSecond, copy MB/s = MB / copy s. " +
            "Wall: POST /admin/rebalance to the poll (every 100 ms) that saw the move done, including catch-up, fence, verification, the cleanup grace and the sources' deletes.");
        md.AppendLine();
        md.AppendLine("Phases as the move's document showed them to the 100 ms polls (s; the server stores its progress at some phase changes and " +
            "at lease renewals, so the split is approximate, and a phase it never stored is missing; copy s above is exact):");
        md.AppendLine();
        foreach (var r in report.Moves)
        {
            md.AppendLine(Inv, $"- {r.Name}: {string.Join(", ", r.Phases.Where(p => p.Phase != "done").Select(p => string.Create(Inv, $"{p.Phase} {p.Seconds:0.0}")))}");
        }

        foreach (string note in report.Notes)
        {
            md.AppendLine();
            md.AppendLine(note);
        }

        md.AppendLine();
        md.AppendLine("Per-table rows and bytes, the pairs of shards, each move's notes and the write latencies are in the JSON file of the same name.");
        return md.ToString();
    }
}
