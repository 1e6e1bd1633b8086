using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DataTier.IntegrationTests.Diagnostics;

/// <summary>
/// The Grafana files provision as they are: the dashboard carries no import-time variable (<c>${DS_PROMETHEUS}</c>
/// is only filled in by the UI's import dialog; file provisioning leaves it, and every panel loses its data source),
/// every data source it names is the one deploy/grafana/provisioning/datasources provisions, the dashboard provider
/// reads files, and the data source's interval is the scrape interval of deploy/prometheus/prometheus.yml.
/// </summary>
public sealed partial class GrafanaProvisioningTests
{
    [Fact]
    public async Task Dashboard_names_only_the_provisioned_data_source_and_no_unresolved_variable()
    {
        var dataSource = await ProvisionedDataSourceAsync();
        var problems = DashboardProblems(await File.ReadAllTextAsync(DeployFiles.Dashboard), dataSource);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Dashboard_check_finds_an_import_variable_and_a_foreign_data_source()
    {
        // The check above can fail: the dashboard as it was (an import variable) and a panel naming another uid.
        var dataSource = await ProvisionedDataSourceAsync();
        string text = await File.ReadAllTextAsync(DeployFiles.Dashboard);
        string quoted = $"\"uid\": \"{dataSource.Uid}\"";
        int first = text.IndexOf(quoted, StringComparison.Ordinal);
        int second = text.IndexOf(quoted, first + quoted.Length, StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, "the dashboard names the provisioned uid fewer than twice");
        string broken = text[..first] + "\"uid\": \"${DS_PROMETHEUS}\"" + text[(first + quoted.Length)..second] + "\"uid\": \"other\"" + text[(second + quoted.Length)..];

        var problems = DashboardProblems(broken, dataSource);
        Assert.Contains(problems, p => p.Contains("unresolved variable ${DS_PROMETHEUS}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("uid 'other'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_provider_reads_files_and_the_data_source_interval_is_the_scrape_interval()
    {
        var providers = await LoadYamlAsync(DeployFiles.DashboardProviders);
        Assert.Equal("1", Scalar(providers, "apiVersion"));
        var provider = Assert.Single(Sequence(providers, "providers"));
        Assert.Equal("file", Scalar(provider, "type"));
        string path = Scalar((YamlMappingNode)provider["options"], "path");
        Assert.True(path.StartsWith('/'), $"the provider's options.path '{path}' is not absolute");

        // File provisioning keys a dashboard by its uid; a fixed numeric id would clash with the database's own.
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(DeployFiles.Dashboard))!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)dashboard["uid"]), "the dashboard has no uid");
        Assert.True(dashboard["id"] is null, "the dashboard has a numeric id; provisioned dashboards leave it out");

        var dataSource = await ProvisionedDataSourceAsync();
        var prometheus = (YamlMappingNode)(await LoadYamlAsync(DeployFiles.PrometheusConfig))["global"];
        Assert.Equal(Scalar(prometheus, "scrape_interval"), dataSource.TimeInterval);
    }

    /// <summary>What is wrong with a dashboard for file provisioning against <paramref name="dataSource"/>; empty when nothing.</summary>
    private static List<string> DashboardProblems(string text, DataSource dataSource)
    {
        var problems = new List<string>();
        foreach (Match variable in ImportVariable().Matches(text))
        {
            problems.Add($"unresolved variable {variable.Value}: file provisioning does not fill it in");
        }

        var root = JsonNode.Parse(text)!.AsObject();
        if (root.ContainsKey("__inputs"))
        {
            problems.Add("__inputs is an import dialog's list; file provisioning ignores it");
        }

        foreach (var panel in root["panels"]!.AsArray())
        {
            if (panel!["targets"] is not null && panel["datasource"] is null)
            {
                problems.Add($"panel '{panel["title"]}' has queries but no data source");
            }
        }

        CheckDataSources(root, "$", dataSource, problems);
        return problems;
    }

    // Every "datasource" anywhere (panels, their queries, template variables) must be the provisioned one.
    private static void CheckDataSources(JsonNode? node, string path, DataSource dataSource, List<string> problems)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (name == "datasource")
                    {
                        string? uid = (string?)value?["uid"];
                        string? type = (string?)value?["type"];
                        if (uid != dataSource.Uid || type != dataSource.Type)
                        {
                            problems.Add($"{path}.datasource is type '{type}' uid '{uid}', not the provisioned '{dataSource.Type}' uid '{dataSource.Uid}'");
                        }
                    }
                    else
                    {
                        CheckDataSources(value, $"{path}.{name}", dataSource, problems);
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    CheckDataSources(array[i], $"{path}[{i}]", dataSource, problems);
                }

                break;
        }
    }

    private static async Task<DataSource> ProvisionedDataSourceAsync()
    {
        var root = await LoadYamlAsync(DeployFiles.DataSources);
        Assert.Equal("1", Scalar(root, "apiVersion"));
        var source = (YamlMappingNode)Assert.Single(Sequence(root, "datasources"));
        Assert.Equal("proxy", Scalar(source, "access"));
        Assert.StartsWith("http", Scalar(source, "url"), StringComparison.Ordinal);
        return new DataSource(Scalar(source, "type"), Scalar(source, "uid"), Scalar((YamlMappingNode)source["jsonData"], "timeInterval"));
    }

    private static async Task<YamlMappingNode> LoadYamlAsync(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(await File.ReadAllTextAsync(path)));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new Xunit.Sdk.XunitException($"'{key}' is not a scalar in {node}");

    private static YamlMappingNode[] Sequence(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node[key]).Children.Cast<YamlMappingNode>().ToArray();

    [GeneratedRegex(@"\$\{[^}]*\}")]
    private static partial Regex ImportVariable();

    private sealed record DataSource(string Type, string Uid, string TimeInterval);
}
