using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// What the installed PgBouncer can do, from <c>pgbouncer --version</c>. Protocol-level prepared statements in
/// transaction pooling (<c>max_prepared_statements</c>) arrived in 1.21; Debian 12 ships 1.18, where a statement
/// prepared on one server connection is unknown on the next, so pgbench's <c>-M prepared</c> fails there.
/// </summary>
internal sealed partial record PgBouncerFeatures(Version Version)
{
    public static readonly Version PreparedStatementsSince = new(1, 21);

    /// <summary>The prepared statements kept per client and server connection when the version supports them.</summary>
    public const int MaxPreparedStatements = 1000;

    public bool PreparedStatements => Version >= PreparedStatementsSince;

    /// <summary>
    /// pgbench's mode through PgBouncer: <c>-M prepared</c>, as straight to PostgreSQL, where PgBouncer supports it;
    /// otherwise <c>-M extended</c> (unnamed statements, parsed on every execution), its closest supported mode.
    /// </summary>
    public string PgbenchMode => PreparedStatements ? "prepared" : "extended";

    /// <summary>For the report: the version and what the mode and settings follow from.</summary>
    public string Describe(int poolSize)
    {
        string mode = PreparedStatements
            ? string.Create(CultureInfo.InvariantCulture, $"max_prepared_statements = {MaxPreparedStatements}, pgbench -M prepared")
            : $"pgbench -M extended (protocol-level prepared statements need PgBouncer {PreparedStatementsSince}+)";
        return string.Create(CultureInfo.InvariantCulture,
            $"PgBouncer {Version}, pool_mode = transaction, default_pool_size = {poolSize} (as DataTier:Postgres:BackendPoolSize), {mode}");
    }

    /// <summary>Runs <c>pgbouncer --version</c> ("PgBouncer 1.18.0" on its first line).</summary>
    public static PgBouncerFeatures Detect()
    {
        var psi = new ProcessStartInfo("pgbouncer", "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string output;
        try
        {
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("pgbouncer --version did not start.");
            output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("pgbouncer is not installed (apt-get install pgbouncer).", e);
        }

        return VersionLine().Match(output) is { Success: true } m
            ? new PgBouncerFeatures(Version.Parse(m.Groups[1].Value))
            : throw new InvalidOperationException($"'pgbouncer --version' printed no version: {output.Trim()}");
    }

    [GeneratedRegex(@"PgBouncer (\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex VersionLine();
}
