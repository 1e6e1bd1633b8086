using DataTier.Core.Errors;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Nodes;

public sealed class NodeCircuitBreakersTests
{
    private static readonly NodeDefinition Failed = new("s1-primary", "s1", NodeRole.Primary, "Host=127.0.0.1;Port=5001;Database=a");

    private static ValueTask<int> Unreachable(int _, CancellationToken __) =>
        throw new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable", "connection refused") { ShardId = "s1" };

    [Fact]
    public async Task A_promoted_server_under_the_failed_primarys_id_does_not_inherit_its_open_circuit()
    {
        var breakers = new NodeCircuitBreakers(Options.Create(new NodePoolOptions { CircuitMinimumThroughput = 3, CircuitBreakMs = 60_000 }));
        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<DataTierException>(() => breakers.ExecuteAsync(Failed, Unreachable, 0, CancellationToken.None).AsTask());
        }

        // Open: the failed server is not even tried.
        var refused = await Assert.ThrowsAsync<DataTierException>(() => breakers.ExecuteAsync(Failed, static (_, _) => new ValueTask<int>(1), 0, CancellationToken.None).AsTask());
        Assert.Contains("is not tried for now", refused.Message, StringComparison.Ordinal);

        // A followed failover gives the id to another server: its requests go through at once.
        var promoted = Failed with { ConnectionString = "Host=127.0.0.1;Port=5002;Database=a" };
        Assert.Equal(1, await breakers.ExecuteAsync(promoted, static (_, _) => new ValueTask<int>(1), 0, CancellationToken.None));
    }
}
