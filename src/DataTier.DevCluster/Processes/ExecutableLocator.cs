namespace DataTier.DevCluster.Processes;

/// <summary>Finds programs on <c>PATH</c> (plus the sbin directories, which a non-login root shell may lack).</summary>
internal static class ExecutableLocator
{
    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"];

    /// <summary>Full path of an executable, or null.</summary>
    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            string candidate = Path.Combine(dir, name);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Whether a path is an existing file with an execute bit.</summary>
    public static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path) || OperatingSystem.IsWindows())
        {
            return false;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
