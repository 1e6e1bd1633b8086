namespace DataTier.Core.Topology;

/// <summary>A topology change that cannot be made as asked; <see cref="Code"/> is stable (the problem type's last part).</summary>
public sealed class TopologyChangeException(string code, string message, bool conflict = false) : Exception(message)
{
    /// <summary>Stable code, e.g. <c>shard-exists</c>.</summary>
    public string Code { get; } = code;

    /// <summary>True when the request is valid but the topology's state forbids it now (409, not 400).</summary>
    public bool Conflict { get; } = conflict;
}
