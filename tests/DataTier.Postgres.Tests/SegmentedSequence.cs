using System.Buffers;

namespace DataTier.Postgres.Tests;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, the shape pipe data takes when a message straddles reads.</summary>
internal static class SegmentedSequence
{
    /// <summary>The bytes split at the given offsets (ascending, inside the data), one segment per piece.</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] offsets)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int offset in offsets)
        {
            pieces.Add(data.AsMemory(start, offset - start));
            start = offset;
        }

        pieces.Add(data.AsMemory(start));
        return FromPieces(pieces);
    }

    /// <summary>Every byte in its own segment: the worst case for a reader.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        FromPieces(Enumerable.Range(0, data.Length).Select(i => (ReadOnlyMemory<byte>)data.AsMemory(i, 1)).ToList());

    public static ReadOnlySequence<byte> FromPieces(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(pieces[0], 0);
        Segment last = first;
        for (int i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>What a writer method produced, as one array.</summary>
    public static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
