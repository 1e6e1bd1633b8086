namespace DataTier.Server.Compression;

/// <summary>Response compression of JSON answers (<c>DataTier:Compression</c>).</summary>
public sealed class CompressionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Compression";

    /// <summary>Whether answers are compressed at all; false leaves the middleware out of the pipeline.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Smallest answer compressed (bytes of its Content-Length). Below it the bytes saved do not pay for the
    /// compressor's state and CPU: an answer that fits one TCP segment (about 1,460 bytes) arrives in one packet
    /// either way. Answers without a Content-Length are never compressed.
    /// </summary>
    public int MinBytes { get; set; } = 1400;

    /// <summary>
    /// Brotli quality, 0 (fastest) to 11 (smallest). 1 sends about 2 points more of a large answer than 4
    /// (CompressionLevel.Optimal) for a third of its CPU (docs/performance.md, "Response compression").
    /// </summary>
    public int BrotliQuality { get; set; } = 1;

    /// <summary>
    /// gzip (zlib-ng) level, 0 (store) to 9 (smallest). Level 1 (CompressionLevel.Fastest) is zlib-ng's quick
    /// deflate with fixed Huffman codes, which sent 43% of a large answer of demo rows where level 2 sent 30%.
    /// </summary>
    public int GzipLevel { get; set; } = 2;

    /// <summary>
    /// Whether answers over HTTPS are compressed too. Off by default: compressing a secret (a session token) next to
    /// text an attacker can make the server echo lets the attacker guess the secret from the encrypted length
    /// (BREACH). Turn it on only where no answer mixes the two.
    /// </summary>
    public bool EnableForHttps { get; set; }
}
