using System.Globalization;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>Reading libpg_query's JSON parse tree (the <c>pg_query_outfuncs_json.c</c> format of libpg_query 15).</summary>
/// <remarks>
/// A field or list item of type <c>Node *</c> is wrapped in an object with one property named after the node type
/// (<c>{"SelectStmt": {...}}</c>); a field of a concrete struct type (<c>InsertStmt.relation</c>, <c>alias</c>,
/// <c>intoClause</c>, <c>SelectStmt.larg</c>) is the bare struct. Fields holding their type's zero value (0, false, null,
/// the first enum member) are left out.
/// </remarks>
internal static class PgJson
{
    /// <summary>True for a wrapped node: one property whose name starts with an upper-case letter.</summary>
    public static bool TryGetNode(JsonElement element, out string type, out JsonElement body)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            JsonElement.ObjectEnumerator properties = element.EnumerateObject();
            if (properties.MoveNext())
            {
                JsonProperty first = properties.Current;
                if (first.Name.Length > 0 && char.IsAsciiLetterUpper(first.Name[0]) && !properties.MoveNext())
                {
                    type = first.Name;
                    body = first.Value;
                    return true;
                }
            }
        }

        type = "";
        body = default;
        return false;
    }

    /// <summary>True when the element is a wrapped node of the given type.</summary>
    public static bool IsNode(JsonElement element, string type, out JsonElement body)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(type, out body) && TryGetNode(element, out _, out _))
        {
            return true;
        }

        body = default;
        return false;
    }

    public static bool TryGet(JsonElement body, string name, out JsonElement value)
    {
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public static string? String(JsonElement body, string name) =>
        TryGet(body, name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool Bool(JsonElement body, string name) =>
        TryGet(body, name, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    public static int Int(JsonElement body, string name) =>
        TryGet(body, name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : 0;

    /// <summary>The items of a list field; empty when the field is absent.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement body, string name) =>
        TryGet(body, name, out JsonElement value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    /// <summary>The value of a <c>{"String": {"sval": "x"}}</c> node, or null.</summary>
    public static string? StringNode(JsonElement element) =>
        IsNode(element, "String", out JsonElement body) ? String(body, "sval") ?? "" : null;

    /// <summary>A list of String nodes (a qualified name: <c>funcname</c>, <c>names</c>) joined with dots, or null.</summary>
    public static string? DottedName(JsonElement body, string name)
    {
        List<string>? parts = null;
        foreach (JsonElement item in Items(body, name))
        {
            string? part = StringNode(item);
            if (part is null)
            {
                return null;
            }

            (parts ??= []).Add(part);
        }

        return parts is null ? null : string.Join('.', parts);
    }

    /// <summary>
    /// The text of an <c>A_Const</c>: strings, integers, numerics and booleans; null for NULL and bit strings.
    /// </summary>
    /// <remarks>
    /// libpg_query 15-4.0.0 writes a negative <c>Integer</c> as <c>{"ival": {}}</c>, as it does 0, so an integer without a
    /// value is read back from the SQL text at the constant's location (the parser folds <c>-5</c> into one constant whose
    /// location is the minus sign).
    /// </remarks>
    public static bool TryReadConstant(JsonElement aConst, PgQueryInput input, out string? text, out bool isNull)
    {
        text = null;
        isNull = Bool(aConst, "isnull");
        if (isNull)
        {
            return true;
        }

        if (TryGet(aConst, "sval", out JsonElement sval))
        {
            text = String(sval, "sval") ?? "";
            return true;
        }

        if (TryGet(aConst, "fval", out JsonElement fval))
        {
            text = String(fval, "fval");
            return text is not null;
        }

        if (TryGet(aConst, "boolval", out JsonElement boolval))
        {
            text = Bool(boolval, "boolval") ? "true" : "false";
            return true;
        }

        if (TryGet(aConst, "ival", out JsonElement ival))
        {
            if (TryGet(ival, "ival", out JsonElement number) && number.TryGetInt64(out long value) && value > 0)
            {
                text = value.ToString(CultureInfo.InvariantCulture);
                return true;
            }

            text = ReadIntegerFromSource(input, Int(aConst, "location"));
            return text is not null;
        }

        return false;
    }

    /// <summary>An optional minus sign, whitespace, then decimal digits (PostgreSQL 15 integer literals), from the text.</summary>
    private static string? ReadIntegerFromSource(PgQueryInput input, int location)
    {
        ReadOnlySpan<byte> text = input.BytesFrom(location);
        int i = 0;
        bool negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
            while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v')
            {
                i++;
            }
        }

        int digitsStart = i;
        while (i < text.Length && char.IsAsciiDigit((char)text[i]))
        {
            i++;
        }

        if (i == digitsStart || !long.TryParse(text[digitsStart..i], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            return null;
        }

        return (negative ? -value : value).ToString(CultureInfo.InvariantCulture);
    }
}
