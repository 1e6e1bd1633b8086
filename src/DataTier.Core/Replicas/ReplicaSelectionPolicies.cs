namespace DataTier.Core.Replicas;

/// <summary>Names of the built-in replica selection policies.</summary>
public static class ReplicaSelectionPolicies
{
    /// <summary>The candidate with the fewest requests in flight.</summary>
    public const string LeastOutstanding = "least-outstanding";

    /// <summary>Two random candidates, the less busy one wins: near least-outstanding balance without a full scan.</summary>
    public const string PowerOfTwoChoices = "power-of-two";

    /// <summary>Each candidate in turn.</summary>
    public const string RoundRobin = "round-robin";
}
