using System.Text.RegularExpressions;

namespace DataTier.Migrations.Catalog;

/// <summary>
/// Quartz's own PostgreSQL job-store schema script, read from the Quartz assembly (it ships it as a resource for its
/// <c>CreateIfMissing</c> provisioning): every statement is <c>IF NOT EXISTS</c>, separated by <c>--;;</c> lines.
/// </summary>
public static partial class QuartzSchema
{
    private const string ResourceName = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>The statements for <paramref name="tablePrefix"/> (e.g. <c>datatier.qrtz_</c>).</summary>
    public static IReadOnlyList<string> Statements(string tablePrefix)
    {
        using var stream = typeof(Quartz.IJob).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The Quartz assembly has no resource {ResourceName}; the Quartz package changed its layout.");
        using var reader = new StreamReader(stream);
        string unqualified = tablePrefix.Contains('.', StringComparison.Ordinal) ? tablePrefix[(tablePrefix.LastIndexOf('.') + 1)..] : tablePrefix;
        string script = reader.ReadToEnd().Replace("{0}", tablePrefix, StringComparison.Ordinal).Replace("{1}", unqualified, StringComparison.Ordinal);
        return Separator().Split(script)
            .Select(s => string.Join('\n', s.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(s => s.Length > 0)
            .ToList();
    }

    [GeneratedRegex(@"^--;;\s*$", RegexOptions.Multiline)]
    private static partial Regex Separator();
}
