using System.Collections.Concurrent;
using System.Text.Json;
using DataTier.Core.Errors;
using DataTier.Core.Sql;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Execution;

/// <summary>
/// Turns what a client sent into a statement that may run: exactly one statement of a kind the endpoint allows,
/// parameters bound (never spliced into text), within the configured limits. Everything refused here is refused
/// before it reaches a server.
/// </summary>
public sealed class StatementPreparer
{
    // Parsing (lexing, the guards, the fingerprint) depends on the text alone, so a repeated statement is parsed once.
    // Bounded like the statement profiles: past the limit everything is forgotten and shapes are parsed again.
    private const int MaxParsed = 10_000;
    private readonly ConcurrentDictionary<string, ParsedSql> _parsed = new(StringComparer.Ordinal);
    private readonly DataApiOptions _options;

    /// <summary>Creates the preparer.</summary>
    public StatementPreparer(IOptions<DataApiOptions> options) => _options = options.Value;

    /// <summary>Parses, checks and binds a statement for a purpose; <paramref name="field"/> names it in errors.</summary>
    public BoundStatement Prepare(string? sql, JsonElement parameters, StatementPurpose purpose, string field = "sql")
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-request", $"'{field}' is required: one SQL statement.");
        }

        if (sql.Length > _options.MaxSqlLength)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "sql-too-long", $"'{field}' has {sql.Length} characters; at most {_options.MaxSqlLength} are allowed.");
        }

        if (sql.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL reads statement text as a C string: a NUL would cut it short and break the protocol, and the
            // server would drop the connection, which must never be something a client can cause.
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-sql-character", $"'{field}' contains a NUL character (U+0000), which SQL text cannot hold.");
        }

        try
        {
            if (!_parsed.TryGetValue(sql, out var parsed))
            {
                parsed = SqlParser.Parse(sql);
                if (_parsed.Count >= MaxParsed)
                {
                    _parsed.Clear();
                }

                _parsed[sql] = parsed;
            }

            if (parsed.ParameterNames.Length > _options.MaxParameters)
            {
                throw new DataTierException(DataTierErrorKind.BadRequest, "too-many-parameters", $"'{field}' uses {parsed.ParameterNames.Length} parameters; at most {_options.MaxParameters} are allowed.");
            }

            CheckKind(parsed, purpose, field);
            var bound = SqlParameterBinder.Bind(parsed, parameters);
            return new BoundStatement(parsed.PositionalSql, bound, parsed.Fingerprint, parsed.FingerprintId);
        }
        catch (SqlRejectedException ex)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, ex.Code.Replace('_', '-'), $"'{field}': {ex.Message}", ex);
        }
    }

    private static void CheckKind(ParsedSql parsed, StatementPurpose purpose, string field)
    {
        switch (purpose)
        {
            case StatementPurpose.Read when parsed.Kind != SqlStatementKind.Select:
                throw new DataTierException(DataTierErrorKind.BadRequest, "write-in-read",
                    $"'{field}' is an {parsed.Kind.ToString().ToUpperInvariant()}; reads take one SELECT. Send writes to /v1/execute or /v1/transaction.");
            case StatementPurpose.Read when parsed.HasDataModifyingCte:
                throw new DataTierException(DataTierErrorKind.BadRequest, "write-in-read",
                    $"'{field}' modifies data inside a WITH clause; reads must not write. Send writes to /v1/execute or /v1/transaction.");
            case StatementPurpose.Read when parsed.HasLockingClause:
                throw new DataTierException(DataTierErrorKind.BadRequest, "write-in-read",
                    $"'{field}' takes row locks (FOR UPDATE/SHARE), which a read-only replica read cannot; run it inside /v1/transaction.");
            case StatementPurpose.Write when parsed.Kind == SqlStatementKind.Select:
                throw new DataTierException(DataTierErrorKind.BadRequest, "statement-not-allowed",
                    $"'{field}' is a SELECT; /v1/execute takes one INSERT, UPDATE or DELETE. Send reads to /v1/query.");
        }
    }
}
