using System.Text;
using DataTier.Core.Sql.Tree;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Sessions;

namespace DataTier.Postgres.Copy;

/// <summary>
/// How the rows of a <c>COPY ... FROM STDIN</c> are written, read from its options with PostgreSQL's defaults: text
/// (tab, <c>\N</c>) or CSV (comma, empty string, <c>"</c>), HEADER, DELIMITER, NULL, QUOTE, ESCAPE, FORCE_NOT_NULL and
/// FORCE_NULL. DataTier reads only as much of each row as finding its shard key needs; the shards parse the rows
/// themselves with the same options, so a value DataTier does not look at is judged by PostgreSQL.
/// </summary>
internal sealed class CopyFormat
{
    private CopyFormat(bool csv, byte delimiter, byte[] nullText, byte quote, byte escape, bool header)
    {
        Csv = csv;
        Delimiter = delimiter;
        Null = nullText;
        Quote = quote;
        Escape = escape;
        Header = header;
    }

    public bool Csv { get; }

    public byte Delimiter { get; }

    /// <summary>The NULL marker as the client writes it (raw, before any unescaping), UTF-8.</summary>
    public byte[] Null { get; }

    public byte Quote { get; }

    public byte Escape { get; }

    /// <summary>The first line is a header (HEADER true or MATCH): every shard gets it, and checks it for MATCH.</summary>
    public bool Header { get; }

    /// <summary>The shard key column is in FORCE_NOT_NULL: an unquoted NULL marker is a value, not NULL.</summary>
    public bool KeyForceNotNull { get; private init; }

    /// <summary>The shard key column is in FORCE_NULL: a quoted NULL marker is NULL too.</summary>
    public bool KeyForceNull { get; private init; }

    /// <summary>Reads the options; binary COPY and encodings other than UTF-8 are refused (0A000).</summary>
    /// <exception cref="WireException">An option DataTier cannot route by, or a value PostgreSQL would refuse too.</exception>
    public static CopyFormat From(PgCopyStatement copy, string? keyColumn)
    {
        string format = copy.Option("format")?.Value?.ToLowerInvariant() ?? "text";
        if (format == "binary")
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "COPY FROM STDIN in binary format is not supported through DataTier: it cannot read the shard key of binary rows.",
                "Use FORMAT text or csv (Npgsql: BeginTextImport instead of BeginBinaryImport).");
        }

        if (copy.Option("encoding")?.Value is { } encoding && !encoding.Replace("-", "", StringComparison.Ordinal).Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw new WireException(SqlState.FeatureNotSupported, $"COPY with ENCODING '{encoding}' is not supported through DataTier, which reads shard keys as UTF-8.", "Send the rows in UTF-8.");
        }

        bool csv = format == "csv";
        byte delimiter = OneByte(copy, "delimiter", csv ? (byte)',' : (byte)'\t');
        byte quote = OneByte(copy, "quote", (byte)'"');
        byte escape = OneByte(copy, "escape", quote);
        byte[] nullText = Encoding.UTF8.GetBytes(copy.Option("null")?.Value ?? (csv ? "" : "\\N"));
        bool header = copy.Option("header") is { } h && h.Value?.ToLowerInvariant() is null or "true" or "on" or "1" or "match";
        return new CopyFormat(csv, delimiter, nullText, quote, escape, header)
        {
            KeyForceNotNull = keyColumn is not null && Names(copy, "force_not_null", keyColumn),
            KeyForceNull = keyColumn is not null && Names(copy, "force_null", keyColumn),
        };
    }

    private static bool Names(PgCopyStatement copy, string option, string column) =>
        copy.Option(option) is { } o && (o.Columns.Contains(column) || o.Columns.Contains("*"));

    private static byte OneByte(PgCopyStatement copy, string option, byte fallback)
    {
        if (copy.Option(option)?.Value is not { } value)
        {
            return fallback;
        }

        return value.Length == 1 && value[0] < 128
            ? (byte)value[0]
            : throw new WireException(SqlState.InvalidParameterValue, $"COPY {option} must be a single one-byte character");
    }
}
