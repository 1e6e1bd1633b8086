using System.Globalization;
using DataTier.DevCluster.Processes;

namespace DataTier.DevCluster.Postgres;

/// <summary>
/// The PostgreSQL server binaries of this machine: the directory holding <c>initdb</c>, <c>pg_ctl</c>,
/// <c>pg_basebackup</c> and <c>postgres</c>, found through <c>PATH</c> (symlinks resolved) or else under
/// <c>/usr/lib/postgresql/*/bin</c>, highest version first.
/// </summary>
internal sealed record PostgresBinaries(string BinDir, int MajorVersion, string ShareDir)
{
    private static readonly string[] Tools = ["initdb", "pg_ctl", "pg_basebackup", "postgres"];

    /// <summary>Extensions the cluster preloads or creates, with the Debian package that ships each.</summary>
    private static readonly (string Name, string Package)[] RequiredExtensions =
    [
        ("pg_stat_statements", "postgresql-{0}"),
        ("hypopg", "postgresql-{0}-hypopg"),
        ("pg_qualstats", "postgresql-{0}-pg-qualstats"),
    ];

    public string Initdb => Path.Combine(BinDir, "initdb");

    public string PgCtl => Path.Combine(BinDir, "pg_ctl");

    public string PgBasebackup => Path.Combine(BinDir, "pg_basebackup");

    /// <summary>Finds the binaries and checks the extensions; throws a message that says what to install.</summary>
    public static async Task<PostgresBinaries> LocateAsync(CancellationToken ct)
    {
        string binDir = Candidates().FirstOrDefault(dir => Tools.All(t => ExecutableLocator.IsExecutableFile(Path.Combine(dir, t))))
            ?? throw new DevClusterException(
                "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, postgres) were not found on PATH or under " +
                "/usr/lib/postgresql/*/bin. Install them: apt-get install postgresql-15 postgresql-15-hypopg postgresql-15-pg-qualstats");

        int major = await ReadMajorVersionAsync(binDir, ct).ConfigureAwait(false);
        string shareDir = await FindShareDirAsync(binDir, major, ct).ConfigureAwait(false);
        var missing = RequiredExtensions
            .Where(e => !File.Exists(Path.Combine(shareDir, "extension", e.Name + ".control")))
            .ToList();
        if (missing.Count > 0)
        {
            string packages = string.Join(' ', missing.Select(e => string.Format(CultureInfo.InvariantCulture, e.Package, major)).Distinct());
            throw new DevClusterException(
                $"PostgreSQL {major} in {binDir} lacks the extension(s) {string.Join(", ", missing.Select(e => e.Name))} " +
                $"(no .control file in {Path.Combine(shareDir, "extension")}). Install them: apt-get install {packages}");
        }

        return new PostgresBinaries(binDir, major, shareDir);
    }

    private static IEnumerable<string> Candidates()
    {
        string? onPath = ExecutableLocator.Find("initdb");
        if (onPath is not null)
        {
            var target = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true);
            string? dir = Path.GetDirectoryName(target?.FullName ?? onPath);
            if (dir is not null)
            {
                yield return dir;
            }
        }

        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var versions = Directory.GetDirectories(root)
                .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : -1))
                .Where(x => x.Version > 0)
                .OrderByDescending(x => x.Version);
            foreach (var (dir, _) in versions)
            {
                yield return Path.Combine(dir, "bin");
            }
        }
    }

    private static async Task<int> ReadMajorVersionAsync(string binDir, CancellationToken ct)
    {
        // No need to run anything when the layout says it: Debian keeps binaries in /usr/lib/postgresql/<major>/bin.
        string? parent = Path.GetFileName(Path.GetDirectoryName(binDir));
        if (int.TryParse(parent, NumberStyles.Integer, CultureInfo.InvariantCulture, out int fromPath))
        {
            return fromPath;
        }

        var result = await CommandRunner.RunAsync(Path.Combine(binDir, "postgres"), ["--version"], null, null, ct).ConfigureAwait(false);

        // "postgres (PostgreSQL) 15.20 (Debian ...)"
        var token = result.Output.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(t => t.Length > 0 && char.IsDigit(t[0]));
        return token is not null && int.TryParse(token.Split('.')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new DevClusterException($"Could not tell the PostgreSQL version of {binDir}: '{result.Output.Trim()}'.");
    }

    private static async Task<string> FindShareDirAsync(string binDir, int major, CancellationToken ct)
    {
        string pgConfig = Path.Combine(binDir, "pg_config");
        if (ExecutableLocator.IsExecutableFile(pgConfig))
        {
            var result = await CommandRunner.RunAsync(pgConfig, ["--sharedir"], null, null, ct).ConfigureAwait(false);
            string dir = result.Output.Trim();
            if (result.ExitCode == 0 && Directory.Exists(dir))
            {
                return dir;
            }
        }

        string debian = $"/usr/share/postgresql/{major}";
        return Directory.Exists(debian) ? debian : Path.GetFullPath(Path.Combine(binDir, "..", "share"));
    }
}
