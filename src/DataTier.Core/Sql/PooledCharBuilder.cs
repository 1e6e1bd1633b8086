using System.Buffers;

namespace DataTier.Core.Sql;

/// <summary>
/// Appends chars into a caller-supplied (usually stack) buffer and moves to pooled arrays when it outgrows it,
/// so building a fingerprint allocates only the final string.
/// </summary>
internal ref struct PooledCharBuilder
{
    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    public PooledCharBuilder(Span<char> initialBuffer)
    {
        _chars = initialBuffer;
    }

    public readonly int Length => _length;

    public readonly ReadOnlySpan<char> AsSpan() => _chars[.._length];

    public void Append(char c)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }

        _chars[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> value)
    {
        if (_length + value.Length > _chars.Length)
        {
            Grow(value.Length);
        }

        value.CopyTo(_chars[_length..]);
        _length += value.Length;
    }

    /// <summary>Appends with A-Z folded to a-z and nothing else changed, as PostgreSQL folds unquoted identifiers.</summary>
    public void AppendLowerAscii(scoped ReadOnlySpan<char> value)
    {
        int start = _length;
        Append(value);
        Span<char> written = _chars.Slice(start, value.Length);
        for (int i = 0; i < written.Length; i++)
        {
            written[i] = SqlKeywords.ToLowerAscii(written[i]);
        }
    }

    public override readonly string ToString() => _chars[.._length].ToString();

    public void Dispose()
    {
        char[]? rented = _rented;
        this = default;
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void Grow(int additional)
    {
        char[] next = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + additional));
        _chars[.._length].CopyTo(next);
        char[]? previous = _rented;
        _chars = _rented = next;
        if (previous is not null)
        {
            ArrayPool<char>.Shared.Return(previous);
        }
    }
}
