using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace DataTier.Server.Dashboard;

/// <summary>
/// The dashboard's files, embedded in the server assembly (so the page works offline and ships with the binary) and
/// read into memory once: serving one is a dictionary lookup, with no file system or content-type probing per request.
/// </summary>
internal sealed class DashboardAssets
{
    // The csproj names each embedded file "dashboard/<path under wwwroot>".
    private const string Prefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, DashboardAsset> _assets;

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            string path = name[Prefix.Length..].Replace('\\', '/');
            // A file type without a known media type would be sniffed by the browser; refuse to build rather than serve it.
            string type = ContentTypes.GetValueOrDefault(Path.GetExtension(path))
                ?? throw new InvalidOperationException($"The dashboard file '{path}' has no known media type; add its extension to DashboardAssets.ContentTypes.");
            byte[] content = Read(assembly, name);
            assets[path] = new DashboardAsset(content, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"");
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The file at <paramref name="path"/> (relative to the dashboard root; empty: index.html), or null.</summary>
    public DashboardAsset? Find(string? path) => _assets.GetValueOrDefault(string.IsNullOrEmpty(path) ? "index.html" : path);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
