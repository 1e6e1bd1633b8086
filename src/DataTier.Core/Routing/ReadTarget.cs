using DataTier.Core.Topology;

namespace DataTier.Core.Routing;

/// <summary>The node chosen for a read.</summary>
public readonly record struct ReadTarget(NodeDefinition Node)
{
    /// <summary>"primary" or "replica".</summary>
    public string ServedBy => Node.Role == NodeRole.Primary ? "primary" : "replica";
}
