using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace DataTier.Server.Compression;

/// <summary>
/// Brotli at a configured quality (the built-in provider offers only <see cref="CompressionLevel"/>), fed in
/// 64 KB writes (<see cref="CoalescingWriteStream"/>).
/// </summary>
internal sealed class BrotliAnswerCompression(int quality) : ICompressionProvider
{
    private const int WriteBytes = 64 * 1024;

    private readonly BrotliCompressionOptions _options = new() { Quality = quality };

    public string EncodingName => "br";

    public bool SupportsFlush => true;

    public Stream CreateStream(Stream outputStream) => new CoalescingWriteStream(new BrotliStream(outputStream, _options, leaveOpen: true), WriteBytes);
}
