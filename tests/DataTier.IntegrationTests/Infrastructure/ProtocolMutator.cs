using System.Buffers.Binary;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// Mutates valid PostgreSQL frontend messages the ways hostile or broken clients do: bit flips, truncation, wrong and
/// oversized lengths, unknown message types or request codes, invalid UTF-8 and overwritten bytes. Deterministic for a
/// given <see cref="Random"/>; never returns the message unchanged.
/// </summary>
public static class ProtocolMutator
{
    /// <summary>Type bytes a frontend may send after start-up; every other byte is an unknown message type.</summary>
    private const string KnownTypes = "BCdcDEfHFPpQSX";

    private static readonly byte[][] BadUtf8 =
    [
        [0xff],                   // never valid
        [0xc3, 0x28],             // a lead byte without its continuation
        [0xc0, 0xaf],             // overlong '/'
        [0xed, 0xa0, 0x80],       // a UTF-16 surrogate
        [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
        [0x80],                   // a lone continuation byte
    ];

    /// <summary>
    /// A mutation of <paramref name="message"/>: a typed message (<paramref name="startup"/> false: type byte, then the
    /// length) or a start-up packet (length first, then the protocol or request code).
    /// </summary>
    public static ProtocolMutation Mutate(Random random, byte[] message, bool startup, int maxMessageBytes)
    {
        while (true)
        {
            var mutation = MutateOnce(random, message, startup, maxMessageBytes);
            if (!mutation.Bytes.AsSpan().SequenceEqual(message))
            {
                return mutation;
            }
        }
    }

    private static ProtocolMutation MutateOnce(Random random, byte[] message, bool startup, int maxMessageBytes)
    {
        int lengthAt = startup ? 0 : 1;
        int payloadAt = lengthAt + 4;
        int roll = random.Next(100);
        if (roll < 25)
        {
            // 1 to 3 bit flips anywhere, the header included.
            byte[] bytes = (byte[])message.Clone();
            bool keepsFraming = true;
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                int at = random.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << random.Next(8));
                keepsFraming &= at >= payloadAt;
            }

            return new ProtocolMutation(bytes, "bit flips", keepsFraming && !startup);
        }

        if (roll < 37)
        {
            return new ProtocolMutation(message[..random.Next(message.Length)], "truncated", false);
        }

        if (roll < 52)
        {
            byte[] bytes = (byte[])message.Clone();
            int actual = message.Length - lengthAt;
            int length = random.Next(6) switch
            {
                0 => random.Next(0, 4),
                1 => Math.Max(4, actual - random.Next(1, actual)),
                2 => actual + random.Next(1, 100),
                3 => maxMessageBytes + 1 + random.Next(1_000_000),
                4 => int.MaxValue,
                _ => -random.Next(1, int.MaxValue),
            };
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(lengthAt), length);
            return new ProtocolMutation(bytes, "wrong length", false);
        }

        if (roll < 53)
        {
            // Really oversized: a payload one past the limit, every byte of it sent.
            byte[] bytes = new byte[lengthAt + maxMessageBytes + 1];
            message.AsSpan(0, payloadAt).CopyTo(bytes);
            bytes.AsSpan(payloadAt).Fill((byte)'a');
            bytes[^1] = 0;
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(lengthAt), bytes.Length - lengthAt);
            return new ProtocolMutation(bytes, "oversized", false);
        }

        if (roll < 64)
        {
            byte[] bytes = (byte[])message.Clone();
            if (startup)
            {
                // An unknown protocol version or request code.
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), random.Next(2) == 0 ? random.Next() : (random.Next(1, 10) << 16) | random.Next(4));
            }
            else
            {
                byte type;
                do
                {
                    type = (byte)random.Next(256);
                }
                while (KnownTypes.Contains((char)type, StringComparison.Ordinal));
                bytes[0] = type;
            }

            return new ProtocolMutation(bytes, startup ? "unknown request code" : "unknown type", false);
        }

        if (roll < 80 && message.Length > payloadAt + 1)
        {
            // Invalid UTF-8 inserted in the payload (before its last byte, often a string's terminator); the length fixed up.
            byte[] bad = BadUtf8[random.Next(BadUtf8.Length)];
            int at = random.Next(payloadAt, message.Length - 1);
            byte[] bytes = [.. message.AsSpan(0, at), .. bad, .. message.AsSpan(at)];
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(lengthAt), bytes.Length - lengthAt);
            return new ProtocolMutation(bytes, "bad UTF-8", !startup);
        }

        if (message.Length > payloadAt)
        {
            // 1 to 4 payload bytes overwritten: counts, formats, names and text, with the length kept.
            byte[] bytes = (byte[])message.Clone();
            for (int n = random.Next(1, 5); n > 0; n--)
            {
                bytes[random.Next(payloadAt, bytes.Length)] = (byte)random.Next(256);
            }

            return new ProtocolMutation(bytes, "overwritten bytes", !startup);
        }

        return new ProtocolMutation(message[..random.Next(message.Length)], "truncated", false);
    }
}
