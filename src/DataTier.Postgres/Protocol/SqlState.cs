namespace DataTier.Postgres.Protocol;

/// <summary>The SQLSTATE codes the wire codec and the server front end report, as PostgreSQL spells them.</summary>
/// <remarks>
/// Clients classify failures by these codes (Npgsql's <c>PostgresErrorCodes</c>, libpq's <c>PG_DIAG_SQLSTATE</c>),
/// so each one must be the code PostgreSQL itself would send in the same situation.
/// </remarks>
public static class SqlState
{
    /// <summary>00000 successful_completion.</summary>
    public const string SuccessfulCompletion = "00000";

    /// <summary>08000 connection_exception.</summary>
    public const string ConnectionException = "08000";

    /// <summary>08006 connection_failure: the backend connection behind a session broke.</summary>
    public const string ConnectionFailure = "08006";

    /// <summary>08P01 protocol_violation: a malformed or unexpected message.</summary>
    public const string ProtocolViolation = "08P01";

    /// <summary>0A000 feature_not_supported: e.g. a protocol version, the function-call sub-protocol, channel binding.</summary>
    public const string FeatureNotSupported = "0A000";

    /// <summary>22023 invalid_parameter_value: PostgreSQL's code for a Bind format code other than 0 or 1.</summary>
    public const string InvalidParameterValue = "22023";

    /// <summary>22021 character_not_in_repertoire: invalid UTF-8, which PostgreSQL reports under this code rather than 08P01.</summary>
    public const string CharacterNotInRepertoire = "22021";

    /// <summary>25006 read_only_sql_transaction.</summary>
    public const string ReadOnlySqlTransaction = "25006";

    /// <summary>25P02 in_failed_sql_transaction.</summary>
    public const string InFailedSqlTransaction = "25P02";

    /// <summary>28000 invalid_authorization_specification: e.g. no user name in the startup packet, or no such role.</summary>
    public const string InvalidAuthorizationSpecification = "28000";

    /// <summary>28P01 invalid_password: PostgreSQL sends it for every failed password or SCRAM proof, without saying why.</summary>
    public const string InvalidPassword = "28P01";

    /// <summary>3D000 invalid_catalog_name: the database named in the startup packet does not exist.</summary>
    public const string InvalidCatalogName = "3D000";

    /// <summary>42501 insufficient_privilege.</summary>
    public const string InsufficientPrivilege = "42501";

    /// <summary>42704 undefined_object: e.g. an unknown configuration parameter.</summary>
    public const string UndefinedObject = "42704";

    /// <summary>42601 syntax_error.</summary>
    public const string SyntaxError = "42601";

    /// <summary>42P05 duplicate_prepared_statement.</summary>
    public const string DuplicatePreparedStatement = "42P05";

    /// <summary>26000 invalid_sql_statement_name: an unknown prepared statement.</summary>
    public const string InvalidSqlStatementName = "26000";

    /// <summary>34000 invalid_cursor_name: an unknown portal.</summary>
    public const string InvalidCursorName = "34000";

    /// <summary>53300 too_many_connections.</summary>
    public const string TooManyConnections = "53300";

    /// <summary>54000 program_limit_exceeded: a message longer than the configured maximum.</summary>
    public const string ProgramLimitExceeded = "54000";

    /// <summary>57014 query_canceled: a CancelRequest or statement timeout ended the statement.</summary>
    public const string QueryCanceled = "57014";

    /// <summary>40003 statement_completion_unknown: the connection broke during COMMIT, so whether it committed is not known.</summary>
    public const string StatementCompletionUnknown = "40003";

    /// <summary>57P01 admin_shutdown: the server is shutting down; clients and poolers treat it as retryable elsewhere.</summary>
    public const string AdminShutdown = "57P01";

    /// <summary>57P03 cannot_connect_now: the server is starting up or in recovery.</summary>
    public const string CannotConnectNow = "57P03";

    /// <summary>XX000 internal_error.</summary>
    public const string InternalError = "XX000";
}
