using System.Text.Json;
using DataTier.Cli.Arguments;
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
    public const string Usage = "advise [--write] [--validate] [--advice-dir D] [--server URL] [--key ADMIN_KEY] [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        bool write = args.Flag("--write");
        bool validate = args.Flag("--validate");
        string adviceDir = CliEnvironment.AdviceDir(args.Option("--advice-dir"));
        string? server = args.Option("--server");
        string? key = args.Option("--key");
        string? dir = args.Option("--dir");
        args.EnsureAllUsed();
        using var http = AdminApiClient.Create(server, key, dir, TimeSpan.FromMinutes(10));
        using var response = await http.PostAsync(new Uri(validate ? "/admin/db/optimize?validate=true" : "/admin/db/optimize", UriKind.Relative), null, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            await stderr.WriteLineAsync($"datatier: the advisor failed ({(int)response.StatusCode}): {body}").ConfigureAwait(false);
            return 1;
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

        return 0;
    }
}
