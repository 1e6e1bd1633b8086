using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataTier.Core.Execution;
using Npgsql;

namespace DataTier.Core.Caching;

/// <summary>
/// Builds cache keys: SHA-256 over a length-prefixed encoding of the shard, the statement text, the row limit,
/// every parameter's type and value, and the version of every table the statement reads. Length prefixes make the
/// encoding unambiguous, so two different queries cannot share a key short of a SHA-256 collision.
/// </summary>
public static class CacheKey
{
    /// <summary>The key, as 64 lowercase hex characters.</summary>
    public static string Compute(string shardId, BoundStatement statement, int maxRows, IReadOnlyList<(string Table, TableVersion Version)> versions)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, "dt-cache-v1");
        Append(hash, shardId);
        return Finish(hash, statement, maxRows, versions);
    }

    /// <summary>
    /// The key of a scatter read: every shard it reads (in order), the statement each shard runs (with the merge's
    /// order and limit), the row limit, the parameters, and the version of every table on every shard.
    /// </summary>
    public static string ComputeScatter(IReadOnlyList<string> shardIds, BoundStatement shardStatement, int maxRows, IReadOnlyList<(string Shard, string Table, TableVersion Version)> versions)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, "dt-scatter-v1");
        Append(hash, shardIds.Count);
        foreach (var id in shardIds)
        {
            Append(hash, id);
        }

        Append(hash, versions.Count);
        foreach (var (shard, _, _) in versions)
        {
            Append(hash, shard);
        }

        return Finish(hash, shardStatement, maxRows, versions.Select(v => (v.Table, v.Version)).ToList());
    }

    private static string Finish(IncrementalHash hash, BoundStatement statement, int maxRows, IReadOnlyList<(string Table, TableVersion Version)> versions)
    {
        Append(hash, statement.Sql);
        Append(hash, maxRows);
        Append(hash, statement.Parameters.Count);
        foreach (var p in statement.Parameters)
        {
            Append(hash, p.NpgsqlDbType.ToString());
            Append(hash, p.DataTypeName ?? "");
            AppendValue(hash, p.Value);
        }

        Append(hash, versions.Count);
        foreach (var (table, version) in versions)
        {
            Append(hash, table);
            Append(hash, version.Version);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendValue(IncrementalHash hash, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                Append(hash, "n");
                break;
            case string s:
                Append(hash, "s");
                Append(hash, s);
                break;
            case byte[] bytes:
                Append(hash, "b");
                Append(hash, bytes.Length);
                hash.AppendData(bytes);
                break;
            case IEnumerable items:
                Append(hash, "a");
                int count = 0;
                foreach (var item in items)
                {
                    AppendValue(hash, item);
                    count++;
                }

                Append(hash, count);
                break;
            case DateTime dt:
                Append(hash, "t");
                Append(hash, dt.Ticks);
                Append(hash, (int)dt.Kind);
                break;
            case DateTimeOffset dto:
                Append(hash, "o");
                Append(hash, dto.UtcTicks);
                break;
            case IFormattable f:
                Append(hash, value.GetType().Name);
                Append(hash, f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                Append(hash, value.GetType().Name);
                Append(hash, value.ToString() ?? "");
                break;
        }
    }

    private static void Append(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Append(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void Append(IncrementalHash hash, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        hash.AppendData(buffer);
    }
}
