using DataTier.Core.Replicas;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Routing;

/// <summary>Checks at start-up that the configured replica policy is one that is registered.</summary>
public sealed class RoutingOptionsValidator(IEnumerable<IReplicaSelectionPolicy> policies) : IValidateOptions<RoutingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var names = policies.Select(p => p.Name).ToList();
        return names.Contains(options.ReplicaPolicy, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"DataTier:Routing:ReplicaPolicy is '{options.ReplicaPolicy}'; use one of {string.Join(", ", names)}.");
    }
}
