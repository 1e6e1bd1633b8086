using System.Text;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// SQL text checked and encoded once for libpg_query: NUL-terminated UTF-8, and the mapping from the parser's byte offsets
/// and character positions back to indexes into the .NET string.
/// </summary>
internal sealed class PgQueryInput
{
    private int _lastByteOffset;
    private int _lastCharOffset;

    private PgQueryInput(string text, byte[] utf8, int utf8Length)
    {
        Text = text;
        Utf8 = utf8;
        Utf8Length = utf8Length;
    }

    public string Text { get; }

    /// <summary>The UTF-8 bytes followed by one NUL.</summary>
    public byte[] Utf8 { get; }

    /// <summary>The number of UTF-8 bytes, without the NUL.</summary>
    public int Utf8Length { get; }

    private bool IsAscii => Utf8Length == Text.Length;

    /// <summary>Encodes <paramref name="sql"/>; refuses what a C string or UTF-8 cannot carry.</summary>
    /// <exception cref="PgQueryException">SQLSTATE 22021: a NUL character or a lone surrogate.</exception>
    public static PgQueryInput Create(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);

        // A NUL would end the C string early and the parser would silently see a shorter statement.
        int nul = sql.IndexOf('\0');
        if (nul >= 0)
        {
            throw new PgQueryException(
                PgQueryException.CharacterNotInRepertoire,
                $"The SQL text contains a NUL character at offset {nul}; PostgreSQL does not accept NUL in query text.",
                position: CodePointPosition(sql, nul))
            { Offset = nul };
        }

        int surrogate = FindLoneSurrogate(sql);
        if (surrogate >= 0)
        {
            throw new PgQueryException(
                PgQueryException.CharacterNotInRepertoire,
                $"The SQL text contains an unpaired UTF-16 surrogate at offset {surrogate}; it cannot be encoded as UTF-8.",
                position: CodePointPosition(sql, surrogate))
            { Offset = surrogate };
        }

        int length = Encoding.UTF8.GetByteCount(sql);
        byte[] utf8 = new byte[length + 1];
        Encoding.UTF8.GetBytes(sql, utf8);
        return new PgQueryInput(sql, utf8, length);
    }

    /// <summary>The UTF-16 index of the character at a byte offset the parser reported (locations, stmt_location).</summary>
    /// <remarks>
    /// Offsets are asked for in increasing order (statement after statement), so the last answer is remembered and the
    /// next count starts there: linear over a long multi-statement text, not quadratic. An input is used by one call at a time.
    /// </remarks>
    public int ToCharOffset(int byteOffset)
    {
        byteOffset = Math.Clamp(byteOffset, 0, Utf8Length);
        if (IsAscii)
        {
            return byteOffset;
        }

        if (byteOffset < _lastByteOffset)
        {
            (_lastByteOffset, _lastCharOffset) = (0, 0);
        }

        _lastCharOffset += Encoding.UTF8.GetCharCount(Utf8, _lastByteOffset, byteOffset - _lastByteOffset);
        _lastByteOffset = byteOffset;
        return _lastCharOffset;
    }

    /// <summary>The UTF-16 index of a 1-based code-point position (PgQueryError.cursorpos), or null for 0.</summary>
    public int? ToCharOffsetFromPosition(int position)
    {
        if (position <= 0)
        {
            return null;
        }

        if (IsAscii)
        {
            return Math.Min(position - 1, Text.Length);
        }

        int index = 0;
        for (int codePoints = 1; codePoints < position && index < Text.Length; codePoints++)
        {
            index += char.IsHighSurrogate(Text[index]) && index + 1 < Text.Length ? 2 : 1;
        }

        return index;
    }

    /// <summary>The bytes of the input from a byte offset on, for reading a token the JSON tree leaves out.</summary>
    public ReadOnlySpan<byte> BytesFrom(int byteOffset) =>
        (uint)byteOffset <= (uint)Utf8Length ? Utf8.AsSpan(byteOffset, Utf8Length - byteOffset) : default;

    private static int FindLoneSurrogate(string sql)
    {
        int i = sql.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return -1;
        }

        for (; i < sql.Length; i++)
        {
            char c = sql[i];
            if (char.IsHighSurrogate(c) && i + 1 < sql.Length && char.IsLowSurrogate(sql[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    private static int CodePointPosition(string sql, int index)
    {
        int position = 1;
        for (int i = 0; i < index; i++)
        {
            if (!(char.IsHighSurrogate(sql[i]) && i + 1 < sql.Length && char.IsLowSurrogate(sql[i + 1])))
            {
                position++;
            }
        }

        return position;
    }
}
