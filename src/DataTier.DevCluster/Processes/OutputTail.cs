namespace DataTier.DevCluster.Processes;

/// <summary>Last lines of a text or a log file, to put in an error message.</summary>
internal static class OutputTail
{
    public static string Of(string text, int lines)
    {
        var all = text.TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public static string OfFile(string path, int lines)
    {
        try
        {
            // The file may still be written by the server that failed, so share it.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length > 64 * 1024)
            {
                stream.Seek(-64 * 1024, SeekOrigin.End);
            }

            using var reader = new StreamReader(stream);
            return Of(reader.ReadToEnd(), lines);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
