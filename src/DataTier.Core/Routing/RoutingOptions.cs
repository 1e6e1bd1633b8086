namespace DataTier.Core.Routing;

/// <summary>Read routing (<c>DataTier:Routing</c>).</summary>
public sealed class RoutingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Routing";

    /// <summary>Replica selection policy: least-outstanding, power-of-two or round-robin.</summary>
    public string ReplicaPolicy { get; set; } = Replicas.ReplicaSelectionPolicies.LeastOutstanding;
}
