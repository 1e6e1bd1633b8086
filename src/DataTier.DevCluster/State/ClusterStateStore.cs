using System.Text.Json;
using System.Text.Json.Serialization;
using DataTier.DevCluster.Processes;

namespace DataTier.DevCluster.State;

/// <summary>Reads and atomically rewrites <c>&lt;baseDir&gt;/cluster.json</c>.</summary>
internal static class ClusterStateStore
{
    public const string FileName = "cluster.json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly Lock Gate = new();

    public static string PathFor(string baseDir) => Path.Combine(baseDir, FileName);

    /// <summary>The recorded state, or null when there is none (or it is unreadable).</summary>
    public static ClusterState? Load(string baseDir)
    {
        string path = PathFor(baseDir);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new DevClusterException($"{path} is not a valid cluster state file ({e.Message}); delete {baseDir} to start afresh.", e);
        }
    }

    /// <summary>Writes the state: to a temporary file first, then renamed over the old one.</summary>
    public static void Save(ClusterState state)
    {
        lock (Gate)
        {
            string path = PathFor(state.BaseDir);
            string temp = path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(state, Options));
            FileSystem.MakePrivate(temp);
            File.Move(temp, path, overwrite: true);
        }
    }
}
