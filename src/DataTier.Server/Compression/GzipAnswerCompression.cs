using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;

namespace DataTier.Server.Compression;

/// <summary>gzip at a configured zlib level (the built-in provider offers only <see cref="CompressionLevel"/>).</summary>
internal sealed class GzipAnswerCompression(int level) : ICompressionProvider
{
    private readonly ZLibCompressionOptions _options = new() { CompressionLevel = level };

    public string EncodingName => "gzip";

    public bool SupportsFlush => true;

    public Stream CreateStream(Stream outputStream) => new GZipStream(outputStream, _options, leaveOpen: true);
}
