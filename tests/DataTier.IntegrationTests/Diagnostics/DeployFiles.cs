namespace DataTier.IntegrationTests.Diagnostics;

/// <summary>The operator-facing files under deploy/ that the monitoring tests check, found from the test binary.</summary>
internal static class DeployFiles
{
    public static readonly string Root = Path.Combine(RepositoryRoot(), "deploy");
    public static readonly string Rules = Path.Combine(Root, "prometheus", "alerts.yml");
    public static readonly string RuleTests = Path.Combine(Root, "prometheus", "alerts.test.yml");
    public static readonly string PrometheusConfig = Path.Combine(Root, "prometheus", "prometheus.yml");
    public static readonly string Dashboard = Path.Combine(Root, "grafana", "datatier.json");
    public static readonly string DataSources = Path.Combine(Root, "grafana", "provisioning", "datasources", "datatier.yml");
    public static readonly string DashboardProviders = Path.Combine(Root, "grafana", "provisioning", "dashboards", "datatier.yml");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DataTier.sln not found above " + AppContext.BaseDirectory);
    }
}
