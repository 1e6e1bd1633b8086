using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTier.MoveBench.Load;
using DataTier.MoveBench.Server;

namespace DataTier.MoveBench.Moves;

/// <summary>
/// Runs one move to the desired topology and measures it: takes the plan, starts the move, polls its document until
/// it ends and turns the finished document into a <see cref="MoveResult"/>.
/// </summary>
internal sealed class MoveRunner(AdminApi admin, TextWriter log)
{
    /// <summary>The longest a move may take before the run fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    // Fine enough for the wall time of a move of seconds; the document is one catalog row.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<MoveResult> RunAsync(MoveScenario scenario, WriteLoad? load, CancellationToken ct)
    {
        var plan = await admin.PlanAsync(ct);
        long planRows = Long(plan, "movedRows");
        long planBytes = Long(plan, "movedBytes");
        if (plan["blockers"] is JsonArray { Count: > 0 } blockers)
        {
            throw new BenchFailedException($"{scenario.Name}: the plan cannot run: {blockers.ToJsonString()}");
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"move-rate: {scenario.Name}: the plan moves {planRows:N0} of {Long(plan, "totalRows"):N0} rows ({planBytes / 1e6:0.0} MB); starting the move ..."));
        load?.BeginWindow();
        long started = Stopwatch.GetTimestamp();
        long id = await admin.StartMoveAsync(ct);
        var phases = new List<(string Phase, double At)>();
        JsonNode move;
        double wall;
        while (true)
        {
            move = await admin.GetMoveAsync(id, ct);
            wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            string phase = (string?)move["phase"] ?? "?";
            if (phases.Count == 0 || phases[^1].Phase != phase)
            {
                phases.Add((phase, wall));
            }

            if ((string?)move["state"] != "running")
            {
                break;
            }

            if (wall > Timeout.TotalSeconds)
            {
                await admin.TryCancelAsync(id);
                throw new BenchFailedException(string.Create(CultureInfo.InvariantCulture,
                    $"{scenario.Name}: move {id} did not finish within {Timeout.TotalMinutes:0} min: still {phase}, {Long(move, "rowsCopied"):N0} of " +
                    $"{Long(move, "rowsPlanned"):N0} rows copied ({Double(move, "rowsPerSecond"):0} rows/s). Rerun with fewer rows (--rows)."));
            }

            await Task.Delay(PollInterval, ct);
        }

        WriteLoadWindow? window = null;
        if (load is not null)
        {
            // A little past the end, so writes that waited on the switch are in the window.
            await Task.Delay(500, ct);
            window = load.EndWindow();
        }

        if ((string?)move["state"] != "done" || (bool?)move["verified"] != true)
        {
            throw new BenchFailedException($"{scenario.Name}: move {id} ended {move["state"]} (verified: {move["verified"]?.ToJsonString() ?? "null"}): {move.ToJsonString()}");
        }

        double copyRate = Double(move, "rowsPerSecond");
        long copied = Long(move, "rowsCopied");
        var result = new MoveResult
        {
            Name = scenario.Name,
            Shards = scenario.Shape,
            UnderLoad = load is not null,
            MoveId = id,
            PlanTotalRows = Long(plan, "totalRows"),
            PlanMovedRows = planRows,
            PlanMovedBytes = planBytes,
            RowsPlanned = Long(move, "rowsPlanned"),
            RowsCopied = copied,
            WallSeconds = wall,
            ServerSeconds = (Time(move, "finishedAt") - Time(move, "createdAt")).TotalSeconds,
            CopySeconds = copyRate > 0 ? copied / copyRate : 0,
            CopyRowsPerSecond = copyRate,
            LongestWritePauseMs = Double(move, "longestWritePauseMs"),
            FenceAttempts = (int)Long(move, "fenceAttempts"),
            Verified = true,
            Phases = phases.Select((p, i) => new PhaseTiming(p.Phase, Math.Round(p.At, 2), Math.Round((i + 1 < phases.Count ? phases[i + 1].At : wall) - p.At, 2))).ToList(),
            Tables = (plan["tables"]?.AsArray() ?? []).Select(t => new TableMove((string)t!["name"]!, Long(t, "rows"), Long(t, "movedRows"), Long(t, "movedBytes"))).ToList(),
            Pairs = (move["pairs"]?.AsArray() ?? []).Select(p => new PairMove((string)p!["from"]!, (string)p["to"]!, Long(p, "rowsPlanned"), Long(p, "rowsCopied"), Long(p, "changesApplied"))).ToList(),
            Notes = (move["notes"]?.AsArray() ?? []).Select(n => (string)n!).ToList(),
            Load = window,
        };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"move-rate: {scenario.Name}: done in {result.WallSeconds:0.0} s, {copied:N0} rows copied at {copyRate:N0} rows/s ({result.CopyMBPerSecond:0.0} MB/s), longest write pause {result.LongestWritePauseMs:0} ms"));
        return result;
    }

    private static long Long(JsonNode node, string name) => node[name] is { } value ? (long)value : 0;

    private static double Double(JsonNode node, string name) => node[name] is { } value ? (double)value : 0;

    private static DateTimeOffset Time(JsonNode node, string name) =>
        node[name] is { } value ? DateTimeOffset.Parse((string)value!, CultureInfo.InvariantCulture) : default;
}
