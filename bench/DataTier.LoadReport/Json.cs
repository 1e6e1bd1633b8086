using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.LoadReport;

/// <summary>The JSON settings of every file this tool reads or writes: camelCase, indented, enums as strings.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
