using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace DataTier.Server.Compression;

/// <summary>
/// The built-in provider (Accept-Encoding negotiation, MIME types, HTTPS rule) with a size floor: an answer is
/// compressed only when its Content-Length is declared and at least <see cref="CompressionOptions.MinBytes"/>.
/// The middleware asks when the answer's first bytes are written, and every data answer sets its Content-Length
/// before that (<c>AnswerWriter</c>), so the floor costs one comparison. Bodies of unknown length (problem details,
/// health reports) are small and stay uncompressed.
/// </summary>
internal sealed class MinimumSizeCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> compression, IOptions<CompressionOptions> options)
    : IResponseCompressionProvider
{
    private readonly ResponseCompressionProvider _inner = new(services, compression);
    private readonly long _minBytes = options.Value.MinBytes;

    public bool CheckRequestAcceptsCompression(HttpContext context) => _inner.CheckRequestAcceptsCompression(context);

    public ICompressionProvider? GetCompressionProvider(HttpContext context) => _inner.GetCompressionProvider(context);

    public bool ShouldCompressResponse(HttpContext context) =>
        context.Response.ContentLength is long length && length >= _minBytes && _inner.ShouldCompressResponse(context);
}
