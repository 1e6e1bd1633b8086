using System.Buffers;
using System.Buffers.Binary;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Tests.Protocol;

public sealed class FrontendMessageFuzzTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void Mutated_typed_messages_either_decode_or_raise_the_protocol_error()
    {
        var random = new Random(20261201);
        var reader = new FrontendMessageReader();
        int parsed = 0, refused = 0, incomplete = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] original = FrontendSamples.Typed[random.Next(FrontendSamples.Typed.Count)].Bytes;
            byte[] mutated = Mutate(random, original, lengthOffset: 1);
            ReadOnlySequence<byte> buffer = RandomlySegmented(random, mutated);
            try
            {
                long before = buffer.Length;
                while (reader.TryReadMessage(ref buffer, out FrontendMessage message))
                {
                    Assert.True(buffer.Length < before, "a successful read must consume bytes");
                    before = buffer.Length;
                    FrontendSamples.Describe(message);
                    parsed++;
                }

                if (!buffer.IsEmpty)
                {
                    incomplete++;
                }
            }
            catch (PostgresProtocolException e)
            {
                Assert.Matches("^[0-9A-Z]{5}$", e.SqlState);
                refused++;
            }
        }

        // The mutations are strong enough to reach every outcome, so this is not testing only one path.
        Assert.True(parsed > 1000 && refused > 1000 && incomplete > 1000, $"parsed {parsed}, refused {refused}, incomplete {incomplete}");
    }

    [Fact]
    public void Mutated_startup_packets_either_parse_or_raise_the_protocol_error()
    {
        var random = new Random(7677);
        var reader = new FrontendMessageReader();
        int parsed = 0, refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] original = FrontendSamples.Startup[random.Next(FrontendSamples.Startup.Count)].Bytes;
            ReadOnlySequence<byte> buffer = RandomlySegmented(random, Mutate(random, original, lengthOffset: 0));
            try
            {
                if (reader.TryReadStartupPacket(ref buffer, out StartupPacket? packet))
                {
                    FrontendSamples.Describe(packet);
                    parsed++;
                }
            }
            catch (PostgresProtocolException e)
            {
                Assert.True(e.IsFatal, "every startup packet error ends the connection");
                refused++;
            }
        }

        Assert.True(parsed > 100 && refused > 1000, $"parsed {parsed}, refused {refused}");
    }

    /// <summary>Bit flips, truncation, a rewritten length field, inserted or deleted bytes, or a second message glued on.</summary>
    internal static byte[] Mutate(Random random, byte[] original, int lengthOffset)
    {
        byte[] bytes = (byte[])original.Clone();
        int mutations = 1 + random.Next(3);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(7))
            {
                case 0:
                case 1:
                    if (bytes.Length > 0)
                    {
                        int at = random.Next(bytes.Length);
                        bytes[at] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 2:
                    bytes = bytes[..random.Next(bytes.Length + 1)];
                    break;
                case 3:
                    if (bytes.Length >= lengthOffset + 4)
                    {
                        int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(lengthOffset));
                        int changed = random.Next(4) switch
                        {
                            0 => length + random.Next(-8, 9),
                            1 => random.Next(),
                            2 => -random.Next(),
                            _ => random.Next(0, 16),
                        };
                        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(lengthOffset), changed);
                    }

                    break;
                case 4:
                    {
                        int at = random.Next(bytes.Length + 1);
                        bytes = [.. bytes[..at], (byte)random.Next(256), .. bytes[at..]];
                        break;
                    }

                case 5:
                    if (bytes.Length > 0)
                    {
                        int at = random.Next(bytes.Length);
                        bytes = [.. bytes[..at], .. bytes[(at + 1)..]];
                    }

                    break;
                default:
                    bytes = [.. bytes, .. original];
                    break;
            }
        }

        return bytes;
    }

    internal static ReadOnlySequence<byte> RandomlySegmented(Random random, byte[] bytes)
    {
        if (bytes.Length < 2 || random.Next(2) == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        int[] offsets = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(1, bytes.Length)).Distinct().Order()];
        return SegmentedSequence.Split(bytes, offsets);
    }
}
