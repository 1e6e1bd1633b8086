using DataTier.Cli.Arguments;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier demo load --shard ID=CONN ... [--rows N]</c>: the demo data set of <c>dev up</c>, loaded into shard databases
/// this CLI did not start (docker-compose's migrate service does so). The shards must be migrated first; a shard that
/// already holds teams leaves everything as it is, so running it twice loads once.
/// </summary>
internal static class DemoCommand
{
    public const string Usage = "demo load --shard ID=CONN [--shard ID=CONN]... [--rows N]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, CancellationToken ct)
    {
        string? verb = args.Positional();
        var shards = args.Options("--shard");
        // The default of dev up --rows, so that both make the same data set.
        int rows = args.IntOption("--rows", 1, 50_000_000) ?? 200_000;
        args.EnsureAllUsed();
        if (verb != "load")
        {
            throw new UsageException($"Say what to do: {Usage}");
        }

        if (shards.Count == 0)
        {
            throw new UsageException($"Name every shard, with the id the server's DataTier:Topology gives it (the ring places teams by id): {Usage}");
        }

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
            return 0;
        }

        await stdout.WriteLineAsync(
            $"demo data: {LocalCluster.DemoTeamCount(rows)} teams loaded ({string.Join(", ", placed.Select(kv => $"{kv.Key} {kv.Value}"))}).").ConfigureAwait(false);
        return 0;
    }
}
