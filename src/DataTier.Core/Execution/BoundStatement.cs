using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>A validated statement with positional placeholders and its bound parameter values.</summary>
/// <param name="Sql">SQL with $1..$n placeholders.</param>
/// <param name="Parameters">Values for $1..$n in order.</param>
/// <param name="Fingerprint">Normalised text identifying the statement's shape.</param>
/// <param name="FingerprintId">Stable 64-bit id of <paramref name="Fingerprint"/>.</param>
public sealed record BoundStatement(string Sql, IReadOnlyList<NpgsqlParameter> Parameters, string Fingerprint, ulong FingerprintId = 0)
{
    /// <summary>
    /// Settings a read runs before the statement in its transaction (SET LOCAL statements, one each; null: none),
    /// e.g. the ownership filter of a fan-out read on a shard in a move. Only DataTier sets it, never a request.
    /// </summary>
    public IReadOnlyList<string>? Prelude { get; init; }

    /// <summary>Fresh parameter objects: an NpgsqlParameter belongs to one command at a time.</summary>
    public NpgsqlParameter[] CloneParameters()
    {
        var clones = new NpgsqlParameter[Parameters.Count];
        for (int i = 0; i < clones.Length; i++)
        {
            clones[i] = Parameters[i].Clone();
        }

        return clones;
    }
}
