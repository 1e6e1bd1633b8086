using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.MoveBench;

/// <summary>The result file's JSON: camelCase and indented, like bench/DataTier.LoadReport's reports.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A file to read, not to embed in HTML: '+', '>' and quotes as themselves.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
