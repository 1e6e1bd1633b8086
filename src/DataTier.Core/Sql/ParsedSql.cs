using System.Collections.Immutable;
using System.Globalization;

namespace DataTier.Core.Sql;

/// <summary>
/// A single accepted statement: the original text, its positional form for PostgreSQL, its parameters and its fingerprint.
/// Immutable and safe to cache and share across threads.
/// </summary>
public sealed class ParsedSql
{
    private readonly Dictionary<string, int>? _parameterIndex;

    internal ParsedSql(
        string sql,
        string positionalSql,
        ImmutableArray<string> parameterNames,
        Dictionary<string, int>? parameterIndex,
        SqlStatementKind kind,
        bool hasDataModifyingCte,
        bool hasLockingClause,
        string fingerprint,
        ulong fingerprintId)
    {
        Sql = sql;
        PositionalSql = positionalSql;
        ParameterNames = parameterNames;
        _parameterIndex = parameterIndex;
        Kind = kind;
        HasDataModifyingCte = hasDataModifyingCte;
        HasLockingClause = hasLockingClause;
        Fingerprint = fingerprint;
        FingerprintId = fingerprintId;
    }

    /// <summary>The SQL text as received.</summary>
    public string Sql { get; }

    /// <summary>
    /// <see cref="Sql"/> with each <c>@name</c> replaced by <c>$n</c> (same name, same n) and every other character kept.
    /// Execute it with unnamed parameters in <see cref="ParameterNames"/> order (Npgsql's positional mode).
    /// </summary>
    public string PositionalSql { get; }

    /// <summary>Distinct parameter names (without <c>@</c>) in order of first appearance: index i is <c>$(i+1)</c>.</summary>
    public ImmutableArray<string> ParameterNames { get; }

    /// <summary>The main statement's kind (after any WITH list).</summary>
    public SqlStatementKind Kind { get; }

    /// <summary>True when a WITH list contains INSERT, UPDATE or DELETE, so a <see cref="SqlStatementKind.Select"/> still writes.</summary>
    public bool HasDataModifyingCte { get; }

    /// <summary>True when the statement has a row-locking clause (<c>FOR UPDATE</c>, <c>FOR SHARE</c>, <c>FOR NO KEY UPDATE</c>, <c>FOR KEY SHARE</c>).</summary>
    public bool HasLockingClause { get; }

    /// <summary>
    /// True for a SELECT with no data-modifying CTE and no locking clause. Functions with side effects (nextval, setval)
    /// are not detected; on a read-only replica they fail loudly rather than write.
    /// </summary>
    public bool IsReadOnly => Kind == SqlStatementKind.Select && !HasDataModifyingCte && !HasLockingClause;

    /// <summary>
    /// The normalised text for digests and caches: literals and parameters as <c>?</c>, comments dropped, canonical spacing,
    /// keywords and unquoted identifiers lower-cased, <c>in (...)</c> and <c>array[...]</c> lists of literals collapsed.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>64-bit FNV-1a of the UTF-8 <see cref="Fingerprint"/>: stable across processes and versions of .NET.</summary>
    public ulong FingerprintId { get; }

    /// <summary><see cref="FingerprintId"/> as 16 lower-case hex digits.</summary>
    public string FingerprintIdHex => FingerprintId.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The zero-based ordinal of a parameter name (case-sensitive, without <c>@</c>), or -1.</summary>
    public int IndexOfParameter(ReadOnlySpan<char> name) =>
        ParameterNameTable.IndexOf(ParameterNames.AsSpan(), _parameterIndex, name);

    /// <inheritdoc />
    public override string ToString() => Fingerprint;
}
