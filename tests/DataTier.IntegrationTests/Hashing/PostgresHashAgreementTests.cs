using System.Globalization;
using System.Text;
using DataTier.Core.Hashing;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Hashing;

/// <summary>
/// <see cref="PostgresHash"/> must agree bit for bit with the server's extended hash functions, or keys would be
/// routed to a shard other than the one the database's own ring predicates (and replication filters) name.
/// Each type is checked in one round trip: the keys go as an array and come back hashed under every seed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresHashAgreementTests(ClusterFixture fixture)
{
    private static readonly long[] Seeds = [0, 1, -1, 42, 0x5EED_0000_1234_ABCD, int.MaxValue + 1L, long.MinValue, long.MaxValue];

    private string ConnectionString => fixture.Manifest.Catalog;

    [Fact]
    public async Task HashText_matches_hashtextextended_for_ascii_unicode_empty_long_and_every_short_length()
    {
        var keys = TextKeys();
        Assert.True(keys.Count >= 10_000, $"only {keys.Count} text keys");

        var server = await HashOnServerAsync(
            "SELECT k.ord, s.ord, hashtextextended(k.key, s.seed) FROM unnest(@keys::text[]) WITH ORDINALITY AS k(key, ord) " +
            "CROSS JOIN unnest(@seeds::bigint[]) WITH ORDINALITY AS s(seed, ord)",
            keys.ToArray());

        AssertAgreement(keys, server, (key, seed) => PostgresHash.HashText(key, seed), Describe);
    }

    [Fact]
    public async Task HashInt64_matches_hashint8extended_for_negative_zero_large_and_extreme_values()
    {
        var keys = Int64Keys();
        Assert.True(keys.Count >= 10_000, $"only {keys.Count} int64 keys");

        var server = await HashOnServerAsync(
            "SELECT k.ord, s.ord, hashint8extended(k.key, s.seed) FROM unnest(@keys::bigint[]) WITH ORDINALITY AS k(key, ord) " +
            "CROSS JOIN unnest(@seeds::bigint[]) WITH ORDINALITY AS s(seed, ord)",
            keys.ToArray());

        AssertAgreement(keys, server, (key, seed) => PostgresHash.HashInt64(key, seed), k => k.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task HashUuid_matches_uuid_hash_extended_for_random_versioned_and_fixed_uuids()
    {
        var keys = UuidKeys();
        Assert.True(keys.Count >= 10_000, $"only {keys.Count} uuid keys");

        var server = await HashOnServerAsync(
            "SELECT k.ord, s.ord, uuid_hash_extended(k.key, s.seed) FROM unnest(@keys::uuid[]) WITH ORDINALITY AS k(key, ord) " +
            "CROSS JOIN unnest(@seeds::bigint[]) WITH ORDINALITY AS s(seed, ord)",
            keys.ToArray());

        AssertAgreement(keys, server, (key, seed) => PostgresHash.HashUuid(key, seed), k => k.ToString());
    }

    /// <summary>Runs the query once; returns hashes indexed [key, seed].</summary>
    private async Task<long[,]> HashOnServerAsync<T>(string sql, T[] keys)
    {
        var hashes = new long[keys.Length, Seeds.Length];
        var seen = new bool[keys.Length, Seeds.Length];
        await using var connection = await Db.OpenAsync(ConnectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("keys", keys);
        command.Parameters.AddWithValue("seeds", Seeds);
        await using var reader = await command.ExecuteReaderAsync();
        int rows = 0;
        while (await reader.ReadAsync())
        {
            int key = (int)reader.GetInt64(0) - 1;
            int seed = (int)reader.GetInt64(1) - 1;
            hashes[key, seed] = reader.GetInt64(2);
            seen[key, seed] = true;
            rows++;
        }

        Assert.Equal(keys.Length * Seeds.Length, rows);
        return hashes;
    }

    private static void AssertAgreement<T>(IReadOnlyList<T> keys, long[,] server, Func<T, long, long> local, Func<T, string> describe)
    {
        var mismatches = new List<string>();
        for (int k = 0; k < keys.Count; k++)
        {
            for (int s = 0; s < Seeds.Length; s++)
            {
                long expected = server[k, s];
                long actual = local(keys[k], Seeds[s]);
                if (expected != actual)
                {
                    mismatches.Add($"key {describe(keys[k])} seed {Seeds[s]}: PostgreSQL {expected}, C# {actual}");
                }
            }
        }

        Assert.True(
            mismatches.Count == 0,
            $"{mismatches.Count} of {keys.Count * Seeds.Length} hashes differ; first ones:\n{string.Join('\n', mismatches.Take(10))}");
    }

    private static List<string> TextKeys()
    {
        var random = new Random(20251123);
        var keys = new List<string>
        {
            "",
            " ",
            "a",
            "team-1",
            "team-1000",
            "Team-1",
            "café",
            "cafe\u0301", // the same word with a combining acute accent: other bytes, other hash
            "naïve résumé",
            "Straße",
            "İstanbul",
            "東京都",
            "北京市朝阳区",
            "한국어",
            "日本語テキスト",
            "😀",
            "👩‍💻",
            "🇫🇷🇯🇵",
            "family: 👨‍👩‍👧‍👦",
            "Z\u0351\u0358a\u036Bl\u0363g\u0306o\u0310",
            "עברית",
            "العربية",
            "Ελληνικά",
            "русский текст",
            "tab\tnewline\ncarriage\rreturn",
            "quote' double\" backslash\\ percent% underscore_",
            "\u007F\u0080\u00FF",
            "\uFFFD replacement",
            "\U0010FFFF",
            new string('x', 5000),
            new string('é', 2500),
            string.Concat(Enumerable.Repeat("😀", 1250)),
        };

        for (int i = 1; i <= 1000; i++)
        {
            keys.Add($"team-{i}");
        }

        // Every length 0..40, in ASCII, in two-byte, three-byte and four-byte characters, so every tail case of
        // the 12-byte block loop is hit with every kind of byte.
        for (int length = 0; length <= 40; length++)
        {
            for (int repeat = 0; repeat < 5; repeat++)
            {
                keys.Add(RandomString(random, length, AsciiPrintable));
                keys.Add(RandomString(random, length, Latin1Accented));
                keys.Add(RandomString(random, length, Cjk));
                keys.Add(RandomString(random, length, Emoji));
                keys.Add(RandomString(random, length, Mixed));
            }
        }

        for (int i = 0; i < 4000; i++)
        {
            keys.Add(RandomString(random, random.Next(1, 64), AsciiPrintable));
        }

        for (int i = 0; i < 4000; i++)
        {
            keys.Add(RandomString(random, random.Next(1, 64), Mixed));
        }

        for (int i = 0; i < 300; i++)
        {
            keys.Add(RandomString(random, random.Next(1, 5001), i % 2 == 0 ? AsciiPrintable : Mixed));
        }

        return keys;
    }

    private static List<long> Int64Keys()
    {
        var random = new Random(424242);
        var keys = new List<long>
        {
            0, 1, -1, 2, -2, 42, -42,
            long.MinValue, long.MinValue + 1, long.MaxValue, long.MaxValue - 1,
            int.MinValue, int.MaxValue, int.MinValue - 1L, int.MaxValue + 1L,
            uint.MaxValue, uint.MaxValue + 1L, -(long)uint.MaxValue,
            0x0000_0001_0000_0000, unchecked((long)0xFFFF_FFFF_0000_0000), unchecked((long)0x8000_0000_FFFF_FFFF),
        };

        for (int bit = 0; bit < 63; bit++)
        {
            long power = 1L << bit;
            keys.AddRange([power, power - 1, power + 1, -power, -power - 1, -power + 1]);
        }

        for (int i = 0; i < 1000; i++)
        {
            keys.Add(i);
            keys.Add(-i);
        }

        for (int i = 0; i < 5000; i++)
        {
            keys.Add(random.NextInt64(long.MinValue, long.MaxValue));
        }

        for (int i = 0; i < 4000; i++)
        {
            keys.Add(random.NextInt64(-1_000_000_000L, 1_000_000_000L));
        }

        return keys;
    }

    private static List<Guid> UuidKeys()
    {
        var random = new Random(777);
        var keys = new List<Guid>
        {
            Guid.Empty,
            Guid.AllBitsSet,
            Guid.Parse("00000000-0000-0000-0000-000000000001"),
            Guid.Parse("80000000-0000-0000-0000-000000000000"),
            Guid.Parse("01234567-89ab-cdef-0123-456789abcdef"),
            Guid.Parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            Guid.Parse("123e4567-e89b-12d3-a456-426614174000"),
        };

        for (int i = 0; i < 128; i++)
        {
            // One bit set at a time: every byte position and bit of the wire order.
            var bytes = new byte[16];
            bytes[i / 8] = (byte)(1 << (i % 8));
            keys.Add(new Guid(bytes, bigEndian: true));
        }

        for (int i = 0; i < 6000; i++)
        {
            keys.Add(Guid.NewGuid());
        }

        for (int i = 0; i < 2000; i++)
        {
            keys.Add(Guid.CreateVersion7(DateTimeOffset.UnixEpoch.AddSeconds(random.NextInt64(0, 4_000_000_000L))));
        }

        for (int i = 0; i < 2000; i++)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            keys.Add(new Guid(bytes));
        }

        return keys;
    }

    private static readonly int[] AsciiPrintable = Enumerable.Range(0x20, 0x7F - 0x20).ToArray();

    private static readonly int[] Latin1Accented = Enumerable.Range(0xC0, 0x40).Concat([0x0301, 0x0308, 0x0327]).ToArray();

    private static readonly int[] Cjk = Enumerable.Range(0x4E00, 0x200).Concat(Enumerable.Range(0x3040, 0x60)).ToArray();

    private static readonly int[] Emoji = Enumerable.Range(0x1F600, 0x50).Concat(Enumerable.Range(0x1F300, 0x40)).Concat([0x200D, 0xFE0F]).ToArray();

    private static readonly int[] Mixed = [.. AsciiPrintable, .. Latin1Accented, .. Cjk, .. Emoji, 0x0410, 0x05D0, 0x0627, 0x0E01, 0xFFFD];

    /// <summary>A string of <paramref name="length"/> code points (not UTF-16 units), never with a lone surrogate.</summary>
    private static string RandomString(Random random, int length, int[] codePoints)
    {
        var text = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++)
        {
            text.Append(char.ConvertFromUtf32(codePoints[random.Next(codePoints.Length)]));
        }

        return text.ToString();
    }

    private static string Describe(string key)
    {
        string shown = key.Length > 40 ? key[..40] + "..." : key;
        var escaped = new StringBuilder();
        foreach (var rune in shown.EnumerateRunes())
        {
            escaped.Append(rune.Value is >= 0x20 and < 0x7F ? ((char)rune.Value).ToString() : $"\\u{{{rune.Value:X}}}");
        }

        return $"\"{escaped}\" (length {key.Length})";
    }
}
