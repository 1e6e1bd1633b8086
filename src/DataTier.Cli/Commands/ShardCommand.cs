using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DataTier.Cli.Arguments;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier shard add|weight|drain|remove</c>: changes the desired topology through a server's admin API. Nothing
/// moves until a rebalancing plan runs; <c>datatier rebalance plan</c> shows what would.
/// </summary>
internal static class ShardCommand
{
    public const string Usage = "shard add ID --primary CONN [--replica CONN]... [--weight W] | shard weight ID W | shard drain ID | shard remove ID  [--server URL] [--key ADMIN_KEY] [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string verb = args.Positional() ?? throw new UsageException("shard needs add, weight, drain or remove.");
        string id = args.Positional() ?? throw new UsageException($"shard {verb} needs a shard id.");
        HttpMethod method;
        string path;
        object? body = null;
        switch (verb)
        {
            case "add":
                string primary = args.Option("--primary") ?? throw new UsageException("shard add needs --primary CONNECTION_STRING.");
                var replicas = args.Options("--replica");

                double weight = args.Option("--weight") is { } w ? ParseWeight(w) : 1;
                (method, path, body) = (HttpMethod.Post, "/admin/shards", new { id, weight, primary, replicas });
                break;
            case "weight":
                double newWeight = ParseWeight(args.Positional() ?? throw new UsageException("shard weight needs ID and WEIGHT."));
                (method, path, body) = (HttpMethod.Put, $"/admin/shards/{Uri.EscapeDataString(id)}/weight", new { weight = newWeight });
                break;
            case "drain":
                (method, path) = (HttpMethod.Post, $"/admin/shards/{Uri.EscapeDataString(id)}/drain");
                break;
            case "remove":
                (method, path) = (HttpMethod.Delete, $"/admin/shards/{Uri.EscapeDataString(id)}");
                break;
            default:
                throw new UsageException($"Unknown shard command '{verb}'; use add, weight, drain or remove.");
        }

        using var http = AdminApiClient.Create(args.Option("--server"), args.Option("--key"), args.Option("--dir"), TimeSpan.FromSeconds(30));
        args.EnsureAllUsed();
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
            await stderr.WriteLineAsync($"datatier: shard {verb} {id} refused ({(int)response.StatusCode}): {detail}").ConfigureAwait(false);
            return 1;
        }

        var result = JsonNode.Parse(text)!;
        await stdout.WriteLineAsync($"Topology version {result["version"]}:").ConfigureAwait(false);
        foreach (var shard in result["shards"]!.AsArray())
        {
            await stdout.WriteLineAsync($"  {shard!["id"],-12} {shard["state"],-12} weight {shard["weight"]} -> {shard["desiredWeight"]}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Nothing has moved; see what would with: datatier rebalance plan; move the rows with: datatier rebalance run").ConfigureAwait(false);
        return 0;
    }

    /// <summary>A weight as given on the command line (invariant culture: <c>1.5</c>).</summary>
    public static double ParseWeight(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double weight)
            ? weight
            : throw new UsageException($"Weight '{text}' is not a number.");
}
