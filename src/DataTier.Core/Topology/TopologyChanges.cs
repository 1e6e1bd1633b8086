using System.Text.RegularExpressions;

namespace DataTier.Core.Topology;

/// <summary>
/// The changes an operator can make to the desired topology. Each returns a new document and never moves a row:
/// routing changes only when a rebalancing plan has moved the rows a change implies.
/// </summary>
public static partial class TopologyChanges
{
    /// <summary>The largest weight a shard may have (virtual nodes grow with it).</summary>
    public const double MaxWeight = 100;

    /// <summary>Adds a shard that routes nothing until rows move to it.</summary>
    public static TopologyDocument AddShard(TopologyDocument document, string id, double weight, string primary, IReadOnlyList<string> replicas)
    {
        if (!ShardId().IsMatch(id ?? ""))
        {
            throw new TopologyChangeException("invalid-shard", $"Shard id '{id}' must be 1 to 32 characters of a-z, 0-9, '_' or '-', starting with a letter or digit.");
        }

        CheckWeight(weight, allowZero: false);
        if (string.IsNullOrWhiteSpace(primary))
        {
            throw new TopologyChangeException("invalid-shard", "'primary' (the shard primary's connection string) is required.");
        }

        if (document.Shards.Any(s => s.Id == id))
        {
            throw new TopologyChangeException("shard-exists", $"Shard '{id}' is already in the topology.", conflict: true);
        }

        return document with { Shards = [.. document.Shards, new TopologyShardEntry(id!, 0, weight, primary, replicas)] };
    }

    /// <summary>Sets the share a shard should have; rows move when a plan runs.</summary>
    public static TopologyDocument SetWeight(TopologyDocument document, string id, double weight)
    {
        CheckWeight(weight, allowZero: false);
        return Replace(document, id, s => s with { DesiredWeight = weight });
    }

    /// <summary>Marks a shard to be emptied: the next plan moves all its rows to the others.</summary>
    public static TopologyDocument Drain(TopologyDocument document, string id)
    {
        var shard = Find(document, id);
        if (!document.Shards.Any(s => s.Id != id && s.DesiredWeight > 0))
        {
            throw new TopologyChangeException("last-shard", $"Shard '{id}' is the only shard that would keep rows; add another before draining it.", conflict: true);
        }

        return Replace(document, shard.Id, s => s with { DesiredWeight = 0 });
    }

    /// <summary>Removes a shard that routes nothing and should route nothing.</summary>
    public static TopologyDocument Remove(TopologyDocument document, string id)
    {
        var shard = Find(document, id);
        if (shard.Weight > 0 || shard.DesiredWeight > 0)
        {
            throw new TopologyChangeException("shard-not-empty",
                $"Shard '{id}' still {(shard.Weight > 0 ? "routes part of the ring" : "is meant to receive rows")}: drain it and run the rebalancing plan first.", conflict: true);
        }

        return document with { Shards = document.Shards.Where(s => s.Id != id).ToList() };
    }

    /// <summary>
    /// A move's switch: the routing weights become <paramref name="after"/> for every shard the move knew, provided the
    /// routing is still <paramref name="before"/> (else the move's ranges are not the ones that differ any more), and
    /// the shards that received rows get their read floor.
    /// </summary>
    public static TopologyDocument SwitchRouting(TopologyDocument document, IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, IReadOnlyDictionary<string, ulong> readFloors)
    {
        foreach (var shard in document.Shards)
        {
            if (!shard.Weight.Equals(before.GetValueOrDefault(shard.Id)))
            {
                throw new TopologyChangeException("topology-changed", $"Shard '{shard.Id}' routes at weight {shard.Weight} now, not {before.GetValueOrDefault(shard.Id)} as when the move started.", conflict: true);
            }
        }

        foreach (var (id, weight) in after)
        {
            if (weight > 0 && !document.Shards.Any(s => s.Id == id))
            {
                throw new TopologyChangeException("unknown-shard", $"Shard '{id}', which the move fills, was removed from the topology.", conflict: true);
            }
        }

        return document with
        {
            Shards = document.Shards.Select(s => !before.ContainsKey(s.Id) && !after.ContainsKey(s.Id) ? s : s with
            {
                Weight = after.GetValueOrDefault(s.Id),
                ReadFloorLsn = readFloors.TryGetValue(s.Id, out ulong floor) ? floor : s.ReadFloorLsn,
            }).ToList(),
        };
    }

    /// <summary>
    /// Turns the fan-out ownership filter of the named shards on or off (shards no longer present are skipped), and
    /// raises their read floors to <paramref name="readFloors"/>: a replica that has not replayed what the change
    /// relies on (the hidden ranges, or the deletes of a clean-up) must not serve reads under it.
    /// </summary>
    public static TopologyDocument SetScatterFilter(TopologyDocument document, IReadOnlyDictionary<string, ulong> readFloors, bool on) =>
        document with
        {
            Shards = document.Shards.Select(s => readFloors.TryGetValue(s.Id, out ulong floor)
                ? s with { ScatterFilter = on, ReadFloorLsn = Math.Max(s.ReadFloorLsn, floor) }
                : s).ToList(),
        };

    private static TopologyShardEntry Find(TopologyDocument document, string id) =>
        document.Shards.FirstOrDefault(s => s.Id == id) ?? throw new TopologyChangeException("unknown-shard", $"There is no shard '{id}'.", conflict: false);

    private static TopologyDocument Replace(TopologyDocument document, string id, Func<TopologyShardEntry, TopologyShardEntry> change)
    {
        var shard = Find(document, id);
        return document with { Shards = document.Shards.Select(s => s == shard ? change(s) : s).ToList() };
    }

    private static void CheckWeight(double weight, bool allowZero)
    {
        if (!double.IsFinite(weight) || weight < 0 || (!allowZero && weight == 0) || weight > MaxWeight)
        {
            throw new TopologyChangeException("invalid-weight", $"Weight {weight} must be above 0 and at most {MaxWeight}.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}$")]
    private static partial Regex ShardId();
}
