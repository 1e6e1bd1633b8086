using System.Collections.Immutable;

namespace DataTier.Postgres.Protocol;

/// <summary>Parse 'P': prepare <see cref="Query"/> as <see cref="StatementName"/> ("" is the unnamed statement).</summary>
/// <param name="StatementName">The prepared statement's name; empty for the unnamed statement.</param>
/// <param name="Query">The SQL text, with $1, $2... placeholders.</param>
/// <param name="ParameterTypeOids">The type OIDs the client specified, possibly fewer than the placeholders; 0 means unspecified.</param>
public readonly record struct ParseMessage(string StatementName, string Query, ImmutableArray<uint> ParameterTypeOids);
