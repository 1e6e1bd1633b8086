namespace DataTier.Cli;

/// <summary>Where the CLI finds things: the dev cluster directory and the server dll.</summary>
internal static class CliEnvironment
{
    /// <summary>Environment variable naming the server dll (the <c>./datatier</c> script sets it).</summary>
    public const string ServerDllVariable = "DATATIER_SERVER_DLL";

    /// <summary>Environment variable overriding the dev cluster directory.</summary>
    public const string DevDirVariable = "DATATIER_DEV_DIR";

    /// <summary>
    /// <c>--dir</c>, else <c>$DATATIER_DEV_DIR</c>, else <c>&lt;repo&gt;/.dev</c> for the repository this CLI was built
    /// in (or the one around the current directory), else <c>./.dev</c>.
    /// </summary>
    public static string DevDir(string? fromArguments)
    {
        if (!string.IsNullOrEmpty(fromArguments))
        {
            return Path.GetFullPath(fromArguments);
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(DevDirVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        string? repo = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Environment.CurrentDirectory);
        return Path.Combine(repo ?? Environment.CurrentDirectory, ".dev");
    }

    /// <summary><c>--server-dll</c>, else <c>$DATATIER_SERVER_DLL</c>, else null.</summary>
    public static string? ServerDll(string? fromArguments)
    {
        string? value = !string.IsNullOrEmpty(fromArguments) ? fromArguments : Environment.GetEnvironmentVariable(ServerDllVariable);
        return string.IsNullOrEmpty(value) ? null : Path.GetFullPath(value);
    }

    /// <summary>
    /// <c>--advice-dir</c>, else <c>sql/advice</c> of the repository this CLI was built in (or around the current
    /// directory), else <c>./sql/advice</c>.
    /// </summary>
    public static string AdviceDir(string? fromArguments)
    {
        if (!string.IsNullOrEmpty(fromArguments))
        {
            return Path.GetFullPath(fromArguments);
        }

        string? repo = FindRepositoryRoot(Environment.CurrentDirectory) ?? FindRepositoryRoot(AppContext.BaseDirectory);
        return Path.Combine(repo ?? Environment.CurrentDirectory, "sql", "advice");
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")) && File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
