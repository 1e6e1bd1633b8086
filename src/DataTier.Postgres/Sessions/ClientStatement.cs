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

    /// <summary>The one statement it holds, or null for an empty Parse.</summary>
    public PgStatement? Statement => Analysis.Statements.IsEmpty ? null : Analysis.Statements[0];

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
