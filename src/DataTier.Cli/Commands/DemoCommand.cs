using System.CommandLine;
using DataTier.CommandLine;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier demo load --shard ID=CONN ... [--rows N]</c>: the demo data set of <c>dev up</c>, loaded into shard databases
/// this CLI did not start (docker-compose's migrate service does so). The shards must be migrated first; a shard that
/// already holds teams leaves everything as it is, so running it twice loads once.
/// </summary>
internal static class DemoCommand
{
    public static Command Build() =>
        new DocumentedCommand("demo", "The demo data set of 'dev up', for databases this CLI did not start (docker-compose).",
            "datatier demo load --shard \"s1=Host=s1-primary;Database=datatier;...\" --shard \"s2=Host=s2-primary;Database=datatier;...\"")
        {
            BuildLoad(),
        };

    private static Command BuildLoad()
    {
        var shards = new Option<string[]>("--shard")
        {
            Description = "ID=CONNECTION of a migrated shard primary, with the id the server's DataTier:Topology gives it (the ring places teams by id); repeat it for each.",
            HelpName = "ID=CONN",
            Required = true,
        };
        // The default of dev up --rows, so that both make the same data set.
        var rows = RangeOptions.Int("--rows", 1, 50_000_000, "Demo activity_logs rows (the other tables scale with it; '_' may group digits).", defaultValue: LocalClusterOptions.DefaultRows);
        var command = new DocumentedCommand("load", "Load the demo data into every shard named; a shard that already holds teams leaves everything unchanged.",
            "datatier demo load --shard \"s1=Host=s1-primary;Database=datatier;Username=datatier_admin;Password=...\" --shard \"s2=Host=s2-primary;...\" --rows 20_000")
        {
            shards, rows,
        };
        command.SetAction((parsed, ct) => LoadAsync(parsed.GetValue(shards) ?? [], parsed.GetValue(rows) ?? LocalClusterOptions.DefaultRows, parsed.InvocationConfiguration.Output, ct));
        return command;
    }

    private static async Task<int> LoadAsync(IReadOnlyList<string> shards, int rows, TextWriter stdout, CancellationToken ct)
    {
        var primaries = new List<KeyValuePair<string, string>>();
        foreach (string shard in shards)
        {
            int eq = shard.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == shard.Length - 1)
            {
                throw new UsageException($"--shard takes ID=CONNECTION (e.g. s1=Host=...;Database=datatier;...), not '{shard.Split(';')[0]}...'.");
            }

            primaries.Add(new(shard[..eq], shard[(eq + 1)..]));
        }

        if (primaries.Select(p => p.Key).Distinct(StringComparer.Ordinal).Count() != primaries.Count)
        {
            throw new UsageException("Each shard id may be given once.");
        }

        var placed = await LocalCluster.LoadDemoDataAsync(primaries, rows, ct).ConfigureAwait(false);
        if (placed is null)
        {
            await stdout.WriteLineAsync("demo data: a shard already holds teams; nothing loaded.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await stdout.WriteLineAsync(
            $"demo data: {LocalCluster.DemoTeamCount(rows)} teams loaded ({string.Join(", ", placed.Select(kv => $"{kv.Key} {kv.Value}"))}).").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
