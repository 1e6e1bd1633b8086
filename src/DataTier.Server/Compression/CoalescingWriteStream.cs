using System.Buffers;

namespace DataTier.Server.Compression;

/// <summary>
/// Gathers writes into one pooled buffer before handing them to <paramref name="inner"/>. The compression
/// middleware's pipe adapter writes an answer in 4 KB segments, and Brotli's fast qualities (0 and 1) compress each
/// write as a fragment of its own: a 1 MB answer of demo rows came out at 34.8% of its size in 4 KB writes and 28.1%
/// in 64 KB ones, for less CPU. Only asynchronous writes reach the response (Kestrel refuses synchronous I/O), so the
/// synchronous members just keep the contract.
/// </summary>
internal sealed class CoalescingWriteStream(Stream inner, int bufferBytes) : Stream
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
    private int _count;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _buffer is not null;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(CoalescingWriteStream));
        while (source.Length > 0)
        {
            if (_count == 0 && source.Length >= buffer.Length)
            {
                // Already as large as a gathered write: no copy.
                await inner.WriteAsync(source, cancellationToken).ConfigureAwait(false);
                return;
            }

            int n = Math.Min(source.Length, buffer.Length - _count);
            source.Span[..n].CopyTo(buffer.AsSpan(_count));
            _count += n;
            source = source[n..];
            if (_count == buffer.Length)
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override async ValueTask DisposeAsync()
    {
        if (_buffer is null)
        {
            return;
        }

        try
        {
            await DrainAsync(CancellationToken.None).ConfigureAwait(false);
            await inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            try
            {
                DrainAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                inner.Dispose();
            }
            finally
            {
                Release();
            }
        }

        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_count == 0 || _buffer is null)
        {
            return ValueTask.CompletedTask;
        }

        int count = _count;
        _count = 0;
        return inner.WriteAsync(_buffer.AsMemory(0, count), cancellationToken);
    }

    private void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
