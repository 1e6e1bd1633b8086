using DataTier.Core.Topology;

namespace DataTier.Core.Switchover;

/// <summary>
/// Turns a standby into a primary for a planned switchover. <c>pg_promote()</c> is built in
/// (<see cref="PromoterNames.PgPromote"/>); an HA manager that owns the shard (Patroni) needs its own promoter, which
/// asks the manager to switch over instead, since a manager would fight a promotion it did not make.
/// </summary>
public interface IPromoter
{
    /// <summary>The name <c>DataTier:Switchover:Promoter</c> selects.</summary>
    string Name { get; }

    /// <summary>
    /// Promotes <paramref name="target"/> and returns once it accepts writes, or throws
    /// <see cref="TimeoutException"/> after <paramref name="timeout"/> (the promotion may still complete later).
    /// </summary>
    Task PromoteAsync(NodeDefinition target, TimeSpan timeout, CancellationToken cancellationToken);
}
