using System.Text;

namespace DataTier.Postgres.Copy;

/// <summary>
/// Cuts the byte stream of a <c>COPY ... FROM STDIN</c> into rows, across CopyData messages (which need not end at a
/// row's end), and reads one field of a row (the shard key) as PostgreSQL's COPY reads it: text format with backslash
/// escapes (<c>copyfromparse.c</c>, <c>CopyReadAttributesText</c>), or CSV with quotes and escapes
/// (<c>CopyReadAttributesCSV</c>). Rows end at a newline that is not escaped (text) or not quoted (CSV); <c>\r\n</c>
/// endings are accepted, a bare <c>\r</c> ending is not (it would be read as part of the row).
/// </summary>
internal sealed class CopyRowParser
{
    private readonly CopyFormat _format;
    private bool _inQuote;
    private bool _escaped;

    public CopyRowParser(CopyFormat format)
    {
        _format = format;
    }

    /// <summary>
    /// The end (just after its newline) of the row that goes on at <paramref name="start"/>; -1 when the data ends
    /// first (the state is kept: the next chunk goes on with the same row).
    /// </summary>
    public int FindRowEnd(ReadOnlySpan<byte> data, int start)
    {
        byte quote = _format.Quote;
        byte escape = _format.Escape;
        int i = start;
        while (i < data.Length)
        {
            if (_escaped)
            {
                _escaped = false;
                i++;
                continue;
            }

            if (!_format.Csv)
            {
                int at = data[i..].IndexOfAny((byte)'\\', (byte)'\n');
                if (at < 0)
                {
                    return -1;
                }

                i += at;
                if (data[i] == '\n')
                {
                    return i + 1;
                }

                _escaped = true;
                i++;
                continue;
            }

            if (_inQuote)
            {
                int at = escape == quote ? data[i..].IndexOf(quote) : data[i..].IndexOfAny(quote, escape);
                if (at < 0)
                {
                    return -1;
                }

                i += at;
                if (data[i] == quote)
                {
                    _inQuote = false;
                }
                else
                {
                    // An escape inside quotes takes the next byte (a quote or the escape) as data.
                    _escaped = true;
                }

                i++;
                continue;
            }

            int next = data[i..].IndexOfAny(quote, (byte)'\n');
            if (next < 0)
            {
                return -1;
            }

            i += next;
            if (data[i] == '\n')
            {
                return i + 1;
            }

            _inQuote = true;
            i++;
        }

        return -1;
    }

    /// <summary>The row is <c>\.</c> alone on its line: PostgreSQL's end-of-data marker.</summary>
    public static bool IsEndMarker(ReadOnlySpan<byte> row) => WithoutLineEnd(row) is [(byte)'\\', (byte)'.'];

    /// <summary>Reads field <paramref name="index"/> (0-based) of a complete row as the text the ring hashes.</summary>
    public CopyKey ReadKey(ReadOnlySpan<byte> row, int index, out string? key)
    {
        row = WithoutLineEnd(row);
        return _format.Csv ? ReadCsvKey(row, index, out key) : ReadTextKey(row, index, out key);
    }

    private static ReadOnlySpan<byte> WithoutLineEnd(ReadOnlySpan<byte> row)
    {
        if (row.Length > 0 && row[^1] == '\n')
        {
            row = row[..^1];
            if (row.Length > 0 && row[^1] == '\r')
            {
                row = row[..^1];
            }
        }

        return row;
    }

    private CopyKey ReadTextKey(ReadOnlySpan<byte> row, int index, out string? key)
    {
        key = null;
        int start = 0;
        for (int field = 0; ; field++)
        {
            int end = start;
            while (end < row.Length && row[end] != _format.Delimiter)
            {
                end += row[end] == '\\' ? 2 : 1;
            }

            end = Math.Min(end, row.Length);
            if (field == index)
            {
                var raw = row[start..end];
                if (raw.SequenceEqual(_format.Null))
                {
                    return CopyKey.Null;
                }

                key = Unescape(raw);
                return CopyKey.Value;
            }

            if (end >= row.Length)
            {
                return CopyKey.Missing;
            }

            start = end + 1;
        }
    }

    /// <summary>The text format's backslash escapes: \b \f \n \r \t \v, octal \ooo, hex \xhh, and any other byte as itself.</summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var bytes = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b != '\\' || i + 1 >= raw.Length)
            {
                bytes.Add(b);
                continue;
            }

            byte c = raw[++i];
            switch (c)
            {
                case (byte)'b': bytes.Add(8); break;
                case (byte)'f': bytes.Add(12); break;
                case (byte)'n': bytes.Add(10); break;
                case (byte)'r': bytes.Add(13); break;
                case (byte)'t': bytes.Add(9); break;
                case (byte)'v': bytes.Add(11); break;
                case >= (byte)'0' and <= (byte)'7':
                    int octal = c - '0';
                    for (int k = 0; k < 2 && i + 1 < raw.Length && raw[i + 1] is >= (byte)'0' and <= (byte)'7'; k++)
                    {
                        octal = (octal * 8) + (raw[++i] - '0');
                    }

                    bytes.Add((byte)octal);
                    break;
                case (byte)'x' when i + 1 < raw.Length && IsHex(raw[i + 1]):
                    int hex = HexValue(raw[++i]);
                    if (i + 1 < raw.Length && IsHex(raw[i + 1]))
                    {
                        hex = (hex * 16) + HexValue(raw[++i]);
                    }

                    bytes.Add((byte)hex);
                    break;
                default:
                    bytes.Add(c);
                    break;
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private CopyKey ReadCsvKey(ReadOnlySpan<byte> row, int index, out string? key)
    {
        key = null;
        byte quote = _format.Quote;
        byte escape = _format.Escape;
        var value = new List<byte>();
        int i = 0;
        for (int field = 0; ; field++)
        {
            int start = i;
            bool sawQuote = false;
            value.Clear();
            while (i < row.Length && row[i] != _format.Delimiter)
            {
                if (row[i] != quote)
                {
                    value.Add(row[i++]);
                    continue;
                }

                // A quoted stretch: up to the closing quote; an escape before a quote or an escape takes it as data.
                sawQuote = true;
                i++;
                while (i < row.Length)
                {
                    byte c = row[i++];
                    if (c == escape && i < row.Length && (row[i] == quote || row[i] == escape))
                    {
                        value.Add(row[i++]);
                        continue;
                    }

                    if (c == quote)
                    {
                        break;
                    }

                    value.Add(c);
                }
            }

            if (field == index)
            {
                var raw = row[start..i];
                bool isNull = (!sawQuote && !_format.KeyForceNotNull && raw.SequenceEqual(_format.Null))
                    || (sawQuote && _format.KeyForceNull && value.ToArray().AsSpan().SequenceEqual(_format.Null));
                if (isNull)
                {
                    return CopyKey.Null;
                }

                key = Encoding.UTF8.GetString([.. value]);
                return CopyKey.Value;
            }

            if (i >= row.Length)
            {
                return CopyKey.Missing;
            }

            i++;
        }
    }
}
