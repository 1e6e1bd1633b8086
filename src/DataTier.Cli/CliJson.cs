using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTier.Cli;

/// <summary>JSON as the CLI prints it on stdout: indented, for people and for <c>jq</c> alike.</summary>
internal static class CliJson
{
    // Relaxed escaping: a terminal or a file, not HTML, reads it, and "+00:00" reads better than "\u002B00:00".
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
