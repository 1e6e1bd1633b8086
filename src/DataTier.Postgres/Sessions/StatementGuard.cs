using DataTier.Core.Sql;
using DataTier.Core.Sql.Tree;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <summary>
/// The refusals the HTTP API makes, applied to wire statements before they reach a backend: DDL and utility
/// statements, forbidden functions, session state that would leak through a pooled connection, and scopes.
/// </summary>
internal static class StatementGuard
{
    /// <exception cref="WireException">The statement is not allowed through DataTier, or not for this user.</exception>
    public static void Check(PgStatementAnalysis analysis, PostgresUser user)
    {
        switch (analysis.Kind)
        {
            case PgStatementKind.Select or PgStatementKind.Insert or PgStatementKind.Update or PgStatementKind.Delete or PgStatementKind.Merge or PgStatementKind.Show:
                break;
            case PgStatementKind.Explain when analysis.Inner is { } inner:
                Check(inner, user);
                break;
            case PgStatementKind.Transaction:
                if (analysis.Transaction?.Action is PgTransactionAction.PrepareTransaction or PgTransactionAction.CommitPrepared or PgTransactionAction.RollbackPrepared)
                {
                    throw new WireException(SqlState.FeatureNotSupported, "Two-phase commit (PREPARE TRANSACTION) is not supported through DataTier.");
                }

                break;
            case PgStatementKind.Set when analysis.Setting is { } setting && (setting.IsLocal || setting.Action == PgSettingAction.SetTransaction):
                break;
            case PgStatementKind.Set or PgStatementKind.Reset:
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    $"SET {analysis.Setting?.Name} for the session is not supported: DataTier pools backend connections per transaction, so a session setting would leak to other clients.",
                    "Use SET LOCAL inside a transaction, or set it in the connection string's Options (startup parameters are not forwarded yet either); only datatier.* settings are kept per session.");
            case PgStatementKind.Utility when analysis.NodeType is "FetchStmt" or "ClosePortalStmt":
                break;
            case PgStatementKind.Copy when analysis.Copy is { Direction: PgCopyDirection.From, IsClientSide: true, Table: not null }:
                break;
            case PgStatementKind.Copy when analysis.Copy is { IsClientSide: false }:
                throw new WireException(
                    SqlState.InsufficientPrivilege,
                    $"COPY {(analysis.Copy.Direction == PgCopyDirection.From ? "FROM" : "TO")} a server-side file or program is not allowed through DataTier.",
                    "Use COPY ... FROM STDIN (psql \\copy, Npgsql BeginTextImport) to load rows through DataTier.");
            case PgStatementKind.Copy:
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    "COPY ... TO STDOUT is not supported through DataTier's PostgreSQL front end yet; COPY ... FROM STDIN is.",
                    "Read the rows with SELECT (key-less reads of one table run on every shard), or COPY TO on each shard directly.");
            case PgStatementKind.Utility:
                throw new WireException(
                    SqlState.InsufficientPrivilege,
                    $"DDL and utility statements ({analysis.NodeType}) are not allowed through DataTier.",
                    "Change schemas with migrations run on every shard (datatier migrate), not through the data path.");
            default:
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    $"{analysis.Kind.ToString().ToUpperInvariant()} statements are not supported through DataTier's PostgreSQL front end (they keep state on a pooled backend connection or run code the router cannot see).",
                    "Use the protocol's own Parse/Bind for prepared statements; run the rest directly against a shard.");
        }

        foreach (string function in analysis.Functions)
        {
            int dot = function.LastIndexOf('.');
            if (SqlForbiddenFunctions.IsForbidden(dot < 0 ? function : function[(dot + 1)..]))
            {
                throw new WireException(SqlState.InsufficientPrivilege, $"The function {function} is not allowed through DataTier.");
            }
        }

        bool writes = analysis.Writes || analysis.LocksRows || (analysis.IsExplainAnalyze && analysis.Inner is { Writes: true });
        if (writes && !user.CanWrite)
        {
            throw new WireException(
                SqlState.InsufficientPrivilege,
                $"API key '{user.Name}' may not write: it lacks the data:write scope, and this statement writes or locks rows.",
                "Connect with a key that has data:write.");
        }

        if (!writes && !user.CanRead && analysis.Kind != PgStatementKind.Transaction)
        {
            throw new WireException(SqlState.InsufficientPrivilege, $"API key '{user.Name}' may not read: it lacks the data:read scope.", "Connect with a key that has data:read.");
        }
    }
}
