using System.Text;

namespace DataTier.Core.Sql;

/// <summary>
/// 64-bit FNV-1a over the UTF-8 encoding of a string, computed without materialising the bytes.
/// </summary>
/// <remarks>
/// Stable across processes and platforms (unlike <see cref="string.GetHashCode()"/>), which the fingerprint id needs
/// because it is stored and compared across servers. FNV-1a rather than XxHash64 because System.IO.Hashing is not a
/// dependency of DataTier.Core; switching later changes every fingerprint id.
/// </remarks>
internal static class Fnv1a64
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong HashUtf8(ReadOnlySpan<char> value)
    {
        ulong hash = OffsetBasis;
        Span<byte> encoded = stackalloc byte[4];
        int i = 0;
        while (i < value.Length)
        {
            char c = value[i];
            if (c < 0x80)
            {
                hash = (hash ^ c) * Prime;
                i++;
                continue;
            }

            // Lone surrogates become U+FFFD, as Encoding.UTF8 would encode them.
            Rune.DecodeFromUtf16(value[i..], out Rune rune, out int consumed);
            int written = rune.EncodeToUtf8(encoded);
            for (int b = 0; b < written; b++)
            {
                hash = (hash ^ encoded[b]) * Prime;
            }

            i += consumed;
        }

        return hash;
    }
}
