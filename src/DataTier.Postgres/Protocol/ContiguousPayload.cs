using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>Runs a span decoder over a payload that may span several pipe segments.</summary>
internal static class ContiguousPayload
{
    public delegate T SpanDecoder<T>(ReadOnlySpan<byte> payload);

    /// <summary>
    /// Single-segment payloads (nearly all of them) are decoded in place; the rest are copied into a rented array
    /// for the duration of the call, so decoders only ever see one span and results never point into the rental.
    /// </summary>
    public static T Decode<T>(in ReadOnlySequence<byte> payload, SpanDecoder<T> decode)
    {
        if (payload.IsSingleSegment)
        {
            return decode(payload.FirstSpan);
        }

        int length = checked((int)payload.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(rented);
            return decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
