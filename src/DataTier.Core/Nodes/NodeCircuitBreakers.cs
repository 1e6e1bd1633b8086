using System.Collections.Concurrent;
using DataTier.Core.Errors;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace DataTier.Core.Nodes;

/// <summary>
/// A Polly circuit breaker per node: after repeated connection failures or timeouts the circuit opens and requests
/// for that node fail at once (503 with Retry-After) instead of each waiting for a connect timeout; after the break
/// one request is let through (half-open) and a success closes the circuit.
/// </summary>
public sealed class NodeCircuitBreakers
{
    // By node id, with the server it was built for: a followed failover gives the id "s1-primary" to another server,
    // which must not inherit the open circuit of the one that failed.
    private readonly ConcurrentDictionary<string, (string ConnectionString, ResiliencePipeline Pipeline)> _pipelines = new(StringComparer.Ordinal);
    private readonly NodePoolOptions _options;

    /// <summary>Creates the registry.</summary>
    public NodeCircuitBreakers(IOptions<NodePoolOptions> options) => _options = options.Value;

    /// <summary>Runs an operation on a node through its circuit breaker.</summary>
    public async ValueTask<T> ExecuteAsync<T, TState>(NodeDefinition node, Func<TState, CancellationToken, ValueTask<T>> operation, TState state, CancellationToken cancellationToken)
    {
        var pipeline = Get(node);
        try
        {
            return await pipeline.ExecuteAsync(static (s, ct) => s.operation(s.state, ct), (operation, state), cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            int retryAfter = Math.Max(1, (int)Math.Ceiling((ex.RetryAfter ?? TimeSpan.FromMilliseconds(_options.CircuitBreakMs)).TotalSeconds));
            throw new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable",
                $"Shard '{node.ShardId}' is unavailable: node {node.Id} failed repeatedly and is not tried for now.", ex)
            {
                ShardId = node.ShardId,
                RetryAfterSeconds = retryAfter,
            };
        }
    }

    private ResiliencePipeline Get(NodeDefinition node)
    {
        if (_pipelines.TryGetValue(node.Id, out var entry) && string.Equals(entry.ConnectionString, node.ConnectionString, StringComparison.Ordinal))
        {
            return entry.Pipeline;
        }

        return _pipelines.AddOrUpdate(
            node.Id,
            static (_, s) => (s.node.ConnectionString, Create(s.options)),
            static (_, existing, s) => string.Equals(existing.ConnectionString, s.node.ConnectionString, StringComparison.Ordinal) ? existing : (s.node.ConnectionString, Create(s.options)),
            (node, options: _options)).Pipeline;
    }

    private static ResiliencePipeline Create(NodePoolOptions options) =>
        new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Only failures to reach the node count: a SQL error or a refused statement says nothing about it.
                ShouldHandle = new PredicateBuilder().Handle<DataTierException>(e => e.Kind is DataTierErrorKind.ShardUnavailable),
                FailureRatio = 0.5,
                MinimumThroughput = options.CircuitMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromMilliseconds(options.CircuitBreakMs),
            })
            .Build();
}
