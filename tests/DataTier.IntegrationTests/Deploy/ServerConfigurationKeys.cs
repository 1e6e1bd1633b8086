using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>
/// Checks configuration keys written in a deployment file against the server: each <c>DataTier:...</c> key must bind
/// to a property of the options class whose <c>SectionName</c> it falls under (bound with ErrorOnUnknownConfiguration,
/// so a misspelt key or a wrong value type is an error), or be one of the few keys the server reads directly.
/// </summary>
internal static class ServerConfigurationKeys
{
    // Read with configuration["..."] rather than through an options class; each must appear verbatim in src/.
    private static readonly string[] ReadDirectly =
    [
        "DataTier:Maintenance:Username",
        "DataTier:Maintenance:Password",
        "DataTier:Server:MaxRequestBodyBytes",
        "DataTier:Server:InlineScheduling",
    ];

    /// <summary>Every options class of the server, by section (<c>DataTier:Topology</c> -> TopologyOptions).</summary>
    public static IReadOnlyDictionary<string, Type> Sections { get; } = FindSections();

    /// <summary>The problems with <paramref name="values"/> (keys in colon form); empty when every key is the server's.</summary>
    public static List<string> Problems(IReadOnlyDictionary<string, string?> values)
    {
        var problems = new List<string>();
        var bySection = new Dictionary<string, Dictionary<string, string?>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            if (ReadDirectly.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            // The longest section that holds the key: DataTier:Switchover:Patroni:RestUrls belongs to Patroni's options.
            string? section = Sections.Keys
                .Where(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(s => s.Length)
                .FirstOrDefault();
            if (section is null)
            {
                problems.Add($"{key}: no options class of the server has this section");
                continue;
            }

            if (!bySection.TryGetValue(section, out var keys))
            {
                bySection[section] = keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            }

            keys[key] = value;
        }

        foreach (var (section, keys) in bySection)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(keys).Build();
            try
            {
                configuration.GetSection(section).Get(Sections[section], o => o.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException e)
            {
                // A nested class's unknown key is named by the inner exception.
                problems.Add($"{section} ({Sections[section].Name}): {e.Message} {e.InnerException?.Message}".TrimEnd());
            }
        }

        return problems;
    }

    /// <summary>The keys the server reads directly that cannot be found in its source any more.</summary>
    public static List<string> StaleDirectKeys()
    {
        string source = string.Join('\n', Directory.EnumerateFiles(DeployTools.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        return ReadDirectly.Where(k => !source.Contains($"\"{k}\"", StringComparison.Ordinal)).ToList();
    }

    /// <summary><c>DataTier__Topology__Shards__0__Id</c> (an environment variable) -> <c>DataTier:Topology:Shards:0:Id</c>.</summary>
    public static string FromEnvironmentName(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    private static Dictionary<string, Type> FindSections()
    {
        Assembly[] assemblies =
        [
            typeof(Core.Topology.TopologyOptions).Assembly,
            typeof(global::DataTier.Server.Auth.ApiKeyOptions).Assembly,
            typeof(DataTier.Postgres.Hosting.PostgresOptions).Assembly,
        ];
        var sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string name && name.StartsWith("DataTier:", StringComparison.Ordinal))
            {
                sections.Add(name, type);
            }
        }

        return sections;
    }
}
