namespace DataTier.DevCluster.Processes;

/// <summary>Directory creation and permissions for a cluster whose PostgreSQL runs as another OS user.</summary>
internal static class FileSystem
{
    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// Creates a directory and any missing parents with mode 0755, so that the <c>postgres</c> user can pass
    /// through every level this process created.
    /// </summary>
    public static void CreateTraversableDirectory(string path)
    {
        var missing = new Stack<string>();
        for (string? dir = Path.GetFullPath(path); dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
        {
            missing.Push(dir);
        }

        while (missing.Count > 0)
        {
            string dir = missing.Pop();
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dir);
            }
            else
            {
                Directory.CreateDirectory(dir, Traversable);
                File.SetUnixFileMode(dir, Traversable); // the umask may have removed bits
            }
        }
    }

    /// <summary>The first ancestor of <paramref name="path"/> (inclusive) that others may not enter, or null.</summary>
    public static string? FindUntraversableAncestor(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        for (string? dir = Path.GetFullPath(path); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir) && (File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0)
            {
                return dir;
            }
        }

        return null;
    }

    /// <summary>Makes a file readable and writable by its owner only (it holds passwords).</summary>
    public static void MakePrivate(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>
    /// Deletes a directory tree if it exists. Retries a few times: a process that was just stopped may still be
    /// removing files in it.
    /// </summary>
    public static void DeleteDirectory(string path)
    {
        for (int attempt = 1; Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException && attempt < 5)
            {
                Thread.Sleep(200 * attempt);
            }
        }
    }

    /// <summary>Deletes a file if it exists.</summary>
    public static void DeleteFile(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
