using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using DataTier.Core.Sql.Tree;

namespace DataTier.Postgres.Sessions;

/// <summary>
/// A statement a client prepared (Parse), kept by the session so that it survives transaction pooling: whichever
/// backend connection runs it prepares it under <see cref="InternalName"/> first if it has not yet.
/// </summary>
internal sealed class ClientStatement
{
    public ClientStatement(string name, string sql, ImmutableArray<uint> parameterTypes, PgSqlAnalysis analysis)
    {
        Name = name;
        Sql = sql;
        ParameterTypes = parameterTypes;
        Analysis = analysis;
        InternalName = name.Length == 0 ? "" : CreateInternalName(sql, parameterTypes);
        InternalNameBytes = Encoding.UTF8.GetBytes(InternalName);
    }

    public string Name { get; }

    public string Sql { get; }

    public ImmutableArray<uint> ParameterTypes { get; }

    public PgSqlAnalysis Analysis { get; }

    /// <summary>
    /// <c>dt_</c> and 32 hex digits of SHA-256 over (SQL, parameter types): equal statements of different clients
    /// share one backend prepared statement; the unnamed statement stays unnamed.
    /// </summary>
    public string InternalName { get; }

    /// <summary><see cref="InternalName"/> in UTF-8, as every Bind to a backend carries it.</summary>
    public byte[] InternalNameBytes { get; }

    /// <summary>
    /// What a cache key of its reads starts with ('E', the text, the parameter types; the Bind's arguments follow),
    /// and what its planner profile is kept under: made once per statement, not per execution.
    /// </summary>
    public (byte[] KeyPrefix, string ProfileKey) CacheIdentity => _cacheIdentity ??= CreateCacheIdentity(Sql, ParameterTypes);

    private (byte[] KeyPrefix, string ProfileKey)? _cacheIdentity;

    /// <summary>The one statement it holds, or null for an empty Parse.</summary>
    public PgStatement? Statement => Analysis.Statements.IsEmpty ? null : Analysis.Statements[0];

    private static (byte[], string) CreateCacheIdentity(string sql, ImmutableArray<uint> types)
    {
        int textLength = Encoding.UTF8.GetByteCount(sql);
        var prefix = new byte[1 + 4 + textLength + 2 + (4 * types.Length)];
        prefix[0] = (byte)'E';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix.AsSpan(1), textLength);
        Encoding.UTF8.GetBytes(sql, prefix.AsSpan(5));
        int at = 5 + textLength;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(prefix.AsSpan(at), (ushort)types.Length);
        at += 2;
        var profileKey = new StringBuilder(sql.Length + (types.Length * 5)).Append(sql);
        foreach (uint type in types)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(at), type);
            at += 4;
            profileKey.Append('\0').Append(type);
        }

        return (prefix, profileKey.ToString());
    }

    private static string CreateInternalName(string sql, ImmutableArray<uint> types)
    {
        var builder = new StringBuilder(sql.Length + (types.Length * 11) + 1);
        builder.Append(sql).Append('\0');
        foreach (uint oid in types)
        {
            builder.Append(oid).Append(',');
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
        return "dt_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
