using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DataTier.Core.Execution;
using NpgsqlTypes;

namespace DataTier.Core.Caching;

/// <summary>
/// Builds cache keys: SHA-256 over a length-prefixed encoding of the shard, the statement text, the row limit,
/// every parameter's type and value, and the version of every table the statement reads. Length prefixes make the
/// encoding unambiguous, so two different queries cannot share a key short of a SHA-256 collision. The encoding is
/// written into one pooled buffer and hashed in one call: a cache hit computes a key, so the key's only allocation
/// is its string.
/// </summary>
public static class CacheKey
{
    /// <summary>The key, as 64 lowercase hex characters.</summary>
    public static string Compute(string shardId, BoundStatement statement, int maxRows, ReadOnlySpan<(string Table, TableVersion Version)> versions)
    {
        var w = new KeyWriter(ArrayPool<byte>.Shared.Rent(512));
        try
        {
            w.Append("dt-cache-v2");
            w.Append(shardId);
            Statement(ref w, statement, maxRows);
            AppendVersions(ref w, versions);

            return w.Finish();
        }
        finally
        {
            w.Return();
        }
    }

    /// <summary>
    /// The key of a read a front end identifies itself: <paramref name="scope"/> names the front end's encoding (its
    /// entries never meet another's), <paramref name="request"/> is every byte that decides the answer (statement text,
    /// parameter types, formats and values, result formats), then the shard and the versions of the tables read.
    /// </summary>
    public static string ComputeEncoded(string scope, string shardId, ReadOnlySpan<byte> request, ReadOnlySpan<(string Table, TableVersion Version)> versions)
    {
        var w = new KeyWriter(ArrayPool<byte>.Shared.Rent(256 + request.Length));
        try
        {
            w.Append(scope);
            w.Append(shardId);
            w.Append(request.Length);
            w.AppendRaw(request);
            AppendVersions(ref w, versions);

            return w.Finish();
        }
        finally
        {
            w.Return();
        }
    }

    /// <summary>The key of a read of one shard (see the span overload).</summary>
    public static string Compute(string shardId, BoundStatement statement, int maxRows, IReadOnlyList<(string Table, TableVersion Version)> versions) =>
        Compute(shardId, statement, maxRows, versions is (string, TableVersion)[] array ? array : versions.ToArray());

    /// <summary>
    /// The key of a scatter read: every shard it reads (in order), the statement each shard runs (with the merge's
    /// order and limit), the row limit, the parameters, and the version of every table on every shard.
    /// </summary>
    public static string ComputeScatter(IReadOnlyList<string> shardIds, BoundStatement shardStatement, int maxRows, IReadOnlyList<(string Shard, string Table, TableVersion Version)> versions)
    {
        var w = new KeyWriter(ArrayPool<byte>.Shared.Rent(1024));
        try
        {
            w.Append("dt-scatter-v2");
            w.Append(shardIds.Count);
            foreach (var id in shardIds)
            {
                w.Append(id);
            }

            Statement(ref w, shardStatement, maxRows);
            w.Append(versions.Count);
            foreach (var (shard, table, version) in versions)
            {
                w.Append(shard);
                w.Append(table);
                w.Append(version.Version);
            }

            return w.Finish();
        }
        finally
        {
            w.Return();
        }
    }

    private static void AppendVersions(ref KeyWriter w, ReadOnlySpan<(string Table, TableVersion Version)> versions)
    {
        w.Append(versions.Length);
        foreach (var (table, version) in versions)
        {
            w.Append(table);
            w.Append(version.Version);
        }
    }

    private static void Statement(ref KeyWriter w, BoundStatement statement, int maxRows)
    {
        w.Append(statement.Sql);
        w.Append(maxRows);
        var parameters = statement.Parameters;
        w.Append(parameters.Count);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var type = p.NpgsqlDbType;
            w.Append((long)type);
            // The type name says more only when no NpgsqlDbType was set (its getter builds a string otherwise).
            w.Append(type == NpgsqlDbType.Unknown ? p.DataTypeName ?? "" : "");
            AppendValue(ref w, p.Value);
        }
    }

    private static void AppendValue(ref KeyWriter w, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                w.Append("n");
                break;
            case string s:
                w.Append("s");
                w.Append(s);
                break;
            case long l:
                w.Append("l");
                w.Append(l);
                break;
            case bool b:
                w.Append(b ? "T" : "F");
                break;
            case byte[] bytes:
                w.Append("b");
                w.Append(bytes.Length);
                w.AppendRaw(bytes);
                break;
            case IEnumerable items:
                w.Append("a");
                int count = 0;
                foreach (var item in items)
                {
                    AppendValue(ref w, item);
                    count++;
                }

                w.Append(count);
                break;
            case DateTime dt:
                w.Append("t");
                w.Append(dt.Ticks);
                w.Append((int)dt.Kind);
                break;
            case DateTimeOffset dto:
                w.Append("o");
                w.Append(dto.UtcTicks);
                break;
            case IFormattable f:
                w.Append(value.GetType().Name);
                w.Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                w.Append(value.GetType().Name);
                w.Append(value.ToString() ?? "");
                break;
        }
    }

    private struct KeyWriter(byte[] buffer)
    {
        private byte[] _buffer = buffer;
        private int _length;

        public void Append(string value)
        {
            int max = Encoding.UTF8.GetMaxByteCount(value.Length);
            Ensure(8 + max);
            int n = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 8));
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), n);
            _length += 8 + n;
        }

        public void Append(long value)
        {
            Ensure(8);
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value);
            _length += 8;
        }

        public void AppendRaw(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        public readonly string Finish()
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(_buffer.AsSpan(0, _length), hash);
            return Convert.ToHexStringLower(hash);
        }

        public readonly void Return() => ArrayPool<byte>.Shared.Return(_buffer);

        private void Ensure(int more)
        {
            if (_length + more <= _buffer.Length)
            {
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
