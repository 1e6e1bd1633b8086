using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Topology;

/// <summary>
/// Cross-field validation of the topology: collects every error, each naming the setting and its value,
/// so one start-up attempt reports all of them.
/// </summary>
public sealed class TopologyOptionsValidator : IValidateOptions<TopologyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        var errors = new List<string>();
        if (options.VirtualNodesPerWeight is < 1 or > 100_000)
        {
            errors.Add($"DataTier:Topology:VirtualNodesPerWeight is {options.VirtualNodesPerWeight}; it must be between 1 and 100000.");
        }

        if (options.PollIntervalMs is < 50 or > 60_000)
        {
            errors.Add($"DataTier:Topology:PollIntervalMs is {options.PollIntervalMs}; it must be between 50 and 60000.");
        }

        if (options.Shards.Count == 0)
        {
            errors.Add("DataTier:Topology:Shards is empty; configure at least one shard with an Id and a Primary.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Shards.Count; i++)
        {
            var shard = options.Shards[i];
            string at = $"DataTier:Topology:Shards:{i}";
            if (string.IsNullOrWhiteSpace(shard.Id))
            {
                errors.Add($"{at}:Id is missing; every shard needs a stable id such as 's{i + 1}'.");
            }
            else if (!ids.Add(shard.Id))
            {
                errors.Add($"{at}:Id '{shard.Id}' is used by two shards; shard ids must be unique.");
            }

            if (!(shard.Weight > 0) || double.IsInfinity(shard.Weight))
            {
                errors.Add($"{at}:Weight is {shard.Weight} for shard '{shard.Id}'; it must be greater than 0.");
            }

            if (string.IsNullOrWhiteSpace(shard.Primary))
            {
                errors.Add($"{at}:Primary is missing for shard '{shard.Id}'; every shard needs a primary connection string.");
            }
            else if (!IsValidConnectionString(shard.Primary))
            {
                errors.Add($"{at}:Primary of shard '{shard.Id}' is not a valid Npgsql connection string.");
            }

            for (int r = 0; r < shard.Replicas.Count; r++)
            {
                if (string.IsNullOrWhiteSpace(shard.Replicas[r]) || !IsValidConnectionString(shard.Replicas[r]))
                {
                    errors.Add($"{at}:Replicas:{r} of shard '{shard.Id}' is not a valid Npgsql connection string.");
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsValidConnectionString(string value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return !string.IsNullOrEmpty(builder.Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
