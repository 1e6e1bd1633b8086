using System.CommandLine;
using System.Text.Json;
using DataTier.CommandLine;
using DataTier.Core.Advice;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier advise</c>: runs the index advisor now on a DataTier server (the dev cluster's, or <c>--server</c>
/// with an admin key) and prints its advice; <c>--write</c> writes the reviewed-migration scripts to
/// <c>sql/advice/</c> (drops to <c>sql/advice/review/</c>, never applied automatically); <c>--validate</c> proves each
/// recommendation on a canary shard first and keeps only those fast enough (DataTier:Advisor:MinMeasuredSpeedup).
/// </summary>
internal static class AdviseCommand
{
    public static Command Build(AdminTarget target)
    {
        var write = new Option<bool>("--write") { Description = "Write the reviewed-migration scripts (sql/advice/, drops to sql/advice/review/); never applied automatically." };
        var validate = new Option<bool>("--validate") { Description = "Prove each recommendation on a canary shard first; keep only those fast enough (DataTier:Advisor:MinMeasuredSpeedup)." };
        var adviceDir = new Option<string?>("--advice-dir") { Description = "Where --write writes (default: <repo>/sql/advice).", HelpName = "D" };
        var command = new DocumentedCommand("advise", "Run the index advisor on the server now and print its advice (--write: write it as scripts).",
            "datatier advise",
            "datatier advise --validate --write",
            "datatier advise --server http://127.0.0.1:5080 --key $ADMIN")
        {
            write, validate, adviceDir,
        };
        target.SetAction(target.AddTo(command), TimeSpan.FromMinutes(10), (parsed, http, ct) => RunAsync(http, parsed.GetValue(write), parsed.GetValue(validate),
            CliEnvironment.AdviceDir(parsed.GetValue(adviceDir)), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(HttpClient http, bool write, bool validate, string adviceDir, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri(validate ? "/admin/db/optimize?validate=true" : "/admin/db/optimize", UriKind.Relative), null, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            await stderr.WriteLineAsync($"datatier: the advisor failed ({(int)response.StatusCode}): {body}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var report = JsonSerializer.Deserialize<AdviceReport>(body, AdviceStore.Json)!;
        await stdout.WriteLineAsync($"Advisor run {report.RunId}: {report.StatementsAnalysed} statements analysed.").ConfigureAwait(false);
        foreach (var r in report.Recommendations)
        {
            double best = r.Statements.Count == 0 ? 0 : r.Statements.Max(s => s.CostReduction);
            await stdout.WriteLineAsync($"  create {r.IndexName} on {r.Table} ({string.Join(", ", r.Columns)}): cost -{best:P0}, shards {string.Join(", ", r.Shards)}").ConfigureAwait(false);
            if (r.Measured is { } m)
            {
                await stdout.WriteLineAsync($"    canary {m.Shard}: {m.Reason}; built in {m.BuildMs} ms, {m.IndexBytes / 1024} KiB").ConfigureAwait(false);
            }
        }

        foreach (var r in report.Rejected ?? [])
        {
            await stdout.WriteLineAsync($"  dropped {r.IndexName} on {r.Table} ({string.Join(", ", r.Columns)}): canary {r.Measured?.Shard}: {r.Measured?.Reason}").ConfigureAwait(false);
        }

        foreach (var f in report.Duplicates)
        {
            await stdout.WriteLineAsync($"  duplicate {f.IndexName} on {f.Table} (covered by {f.CoveredBy})").ConfigureAwait(false);
        }

        foreach (var f in report.Unused)
        {
            await stdout.WriteLineAsync($"  unused {f.IndexName} on {f.Table} ({f.Scans} scans; {AdviceScriptWriter.ScansByShard(f)})").ConfigureAwait(false);
        }

        foreach (var f in report.NotEnoughHistory ?? [])
        {
            await stdout.WriteLineAsync($"  not enough history {f.IndexName} on {f.Table} ({f.Scans} scans so far; {AdviceScriptWriter.ScansByShard(f)})").ConfigureAwait(false);
        }

        foreach (var f in report.Invalid)
        {
            await stdout.WriteLineAsync($"  invalid {f.IndexName} on {f.Table}").ConfigureAwait(false);
        }

        foreach (string note in report.Notes)
        {
            await stdout.WriteLineAsync($"  note: {note}").ConfigureAwait(false);
        }

        if (write)
        {
            foreach (string file in AdviceScriptWriter.Write(report, adviceDir))
            {
                await stdout.WriteLineAsync($"wrote {file}").ConfigureAwait(false);
            }
        }

        return ExitCodes.Ok;
    }
}
