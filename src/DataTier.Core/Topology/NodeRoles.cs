namespace DataTier.Core.Topology;

/// <summary>How a <see cref="NodeRole"/> is named to operators (health, admin views, metric labels).</summary>
public static class NodeRoles
{
    /// <summary>"primary", "replica" or "replaced".</summary>
    public static string Name(NodeRole role) => role switch
    {
        NodeRole.Primary => "primary",
        NodeRole.Replica => "replica",
        _ => "replaced",
    };
}
