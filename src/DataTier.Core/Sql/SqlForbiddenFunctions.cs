using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace DataTier.Core.Sql;

/// <summary>
/// Functions refused anywhere in a statement when called (a name followed by <c>(</c>), schema-qualified or not,
/// quoted or not. Defence in depth: the database role's privileges remain the real control.
/// </summary>
internal static class SqlForbiddenFunctions
{
    // pg_sleep is allowed on purpose: statement timeouts bound it.
    private static readonly FrozenSet<string> s_names = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        // Signalling other backends and reloading configuration.
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
        // Server file system access.
        "pg_read_file", "pg_read_binary_file", "pg_stat_file", "lo_import", "lo_export",
        // Session state that leaks to the next user of a pooled connection.
        "set_config",
        // Functions that run SQL given as a string would bypass every check made here.
        "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "ts_stat");

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> s_lookup =
        s_names.GetAlternateLookup<ReadOnlySpan<char>>();

    // dblink* runs SQL on other servers; session-level advisory locks outlive the request on a pooled connection
    // (the transaction-level pg_advisory_xact_lock* do not, and stay allowed); pg_ls_* lists server directories.
    private static readonly string[] s_prefixes = ["dblink", "pg_advisory_lock", "pg_try_advisory_lock", "pg_ls_"];

    /// <summary>
    /// Throws when the word or quoted identifier at <paramref name="index"/> names a forbidden function and is followed by
    /// <c>(</c> (for a <c>U&amp;"..."</c> identifier, possibly after <c>UESCAPE 'c'</c>).
    /// </summary>
    public static void ThrowIfForbiddenCall(ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int index)
    {
        SqlToken token = tokens[index];
        if (token.Kind == SqlTokenKind.Word)
        {
            if (index + 1 < tokens.Length && tokens[index + 1].Kind == SqlTokenKind.OpenParen)
            {
                ThrowIfForbidden(token.Text(sql), token.Start);
            }

            return;
        }

        if (token.Kind != SqlTokenKind.QuotedIdentifier)
        {
            return;
        }

        ReadOnlySpan<char> text = token.Text(sql);
        bool unicode = text[0] != '"';
        int next = index + 1;
        char escape = '\\';
        if (unicode
            && next + 1 < tokens.Length
            && tokens[next].Kind == SqlTokenKind.Word
            && SqlKeywords.Is(tokens[next].Text(sql), "uescape")
            && tokens[next + 1].Kind == SqlTokenKind.String)
        {
            ReadOnlySpan<char> escapeLiteral = tokens[next + 1].Text(sql);
            escape = escapeLiteral.Length == 3 ? escapeLiteral[1] : '\\';
            next += 2;
        }

        if (next >= tokens.Length || tokens[next].Kind != SqlTokenKind.OpenParen)
        {
            return;
        }

        // Quoted names are rare before '(' so allocating to unescape them is fine.
        string name = Unquote(text[(unicode ? 3 : 1)..^1]);
        if (unicode)
        {
            name = DecodeUnicodeEscapes(name, escape);
        }

        ThrowIfForbidden(name, token.Start);
    }

    internal static bool IsForbidden(ReadOnlySpan<char> name)
    {
        if (s_lookup.Contains(name))
        {
            return true;
        }

        foreach (string prefix in s_prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static void ThrowIfForbidden(ReadOnlySpan<char> name, int position)
    {
        if (IsForbidden(name))
        {
            string shown = name.Length > 64 ? string.Concat(name[..64], "...") : name.ToString();
            throw new SqlRejectedException(
                SqlRejectionCodes.ForbiddenFunction,
                $"Calling '{shown}' is not allowed through the data API (offset {position}).",
                position);
        }
    }

    private static string Unquote(ReadOnlySpan<char> content) => content.ToString().Replace("\"\"", "\"", StringComparison.Ordinal);

    /// <summary>PostgreSQL's U&amp;"..." escapes: <c>\XXXX</c>, <c>\+XXXXXX</c>, and a doubled escape character.</summary>
    private static string DecodeUnicodeEscapes(string value, char escape)
    {
        var builder = new StringBuilder(value.Length);
        int i = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (c != escape)
            {
                builder.Append(c);
                i++;
                continue;
            }

            if (i + 1 < value.Length && value[i + 1] == escape)
            {
                builder.Append(escape);
                i += 2;
                continue;
            }

            bool wide = i + 1 < value.Length && value[i + 1] == '+';
            int digitsStart = wide ? i + 2 : i + 1;
            int digits = wide ? 6 : 4;
            if (digitsStart + digits <= value.Length
                && int.TryParse(value.AsSpan(digitsStart, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int codePoint)
                && Rune.TryCreate(codePoint, out Rune rune))
            {
                builder.Append(rune.ToString());
                i = digitsStart + digits;
            }
            else
            {
                // Invalid escape: PostgreSQL rejects the statement, so keeping the raw text is enough.
                builder.Append(c);
                i++;
            }
        }

        return builder.ToString();
    }
}
