using System.Text;
using System.Text.Json;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A parse-tree node as a string without its <c>location</c> fields: equal for the same expression written in two places
/// (<c>count(*)</c> in the select list and in HAVING), as PostgreSQL matches ORDER BY and GROUP BY items to select-list items.
/// </summary>
internal static class CrossShardNodeKey
{
    public static string Of(JsonElement node)
    {
        var text = new StringBuilder(64);
        Append(text, node);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonElement node)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                foreach (var property in node.EnumerateObject())
                {
                    if (property.NameEquals("location"))
                    {
                        continue;
                    }

                    text.Append(property.Name).Append(':');
                    Append(text, property.Value);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                foreach (var item in node.EnumerateArray())
                {
                    Append(text, item);
                    text.Append(',');
                }

                text.Append(']');
                break;
            default:
                text.Append(node.GetRawText());
                break;
        }
    }
}
