namespace DataTier.MoveBench.Moves;

/// <summary>One measured move: what it is called in the results, the shard counts it goes between, and whether it ran under the write load.</summary>
internal sealed record MoveScenario(string Name, int FromShards, int ToShards, bool UnderLoad)
{
    public string Shape => $"{FromShards} -> {ToShards}";
}
