namespace DataTier.Core.Topology;

/// <summary>A <c>datatier.topology_versions</c> row: the version number and its topology document as JSON text.</summary>
internal sealed record TopologyVersionRow(long Version, string Document);
