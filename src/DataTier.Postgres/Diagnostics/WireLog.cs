using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DataTier.Postgres.Diagnostics;

/// <summary>
/// The wire front end's log messages. Never logs SQL, keys, parameters, passwords or connection strings: user names,
/// node ids, shard ids and SQLSTATEs only.
/// </summary>
internal static partial class WireLog
{
    [LoggerMessage(EventId = LogEventIds.WireListenerStarted, EventName = "WireListenerStarted", Level = LogLevel.Information, Message = "PostgreSQL wire front end listening on {Endpoint}")]
    public static partial void ListenerStarted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = LogEventIds.WireClientConnected, EventName = "WireClientConnected", Level = LogLevel.Debug, Message = "Wire client {ProcessId} logged in as {User}")]
    public static partial void ClientConnected(ILogger logger, int processId, string user);

    [LoggerMessage(EventId = LogEventIds.WireAuthenticationFailed, EventName = "WireAuthenticationFailed", Level = LogLevel.Warning, Message = "Wire login failed for user {User}: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = LogEventIds.WireUserHasNoVerifier, EventName = "WireUserHasNoVerifier", Level = LogLevel.Warning, Message = "Wire login refused for API key {User}: it has no ScramSha256 verifier (DataTier:Auth:Keys:N:ScramSha256), so it cannot log in with the PostgreSQL protocol")]
    public static partial void NoVerifier(ILogger logger, string user);

    [LoggerMessage(EventId = LogEventIds.WireProtocolViolation, EventName = "WireProtocolViolation", Level = LogLevel.Information, Message = "Wire client {ProcessId} broke the protocol ({SqlState}, fatal: {Fatal})")]
    public static partial void ProtocolViolation(ILogger logger, int processId, string sqlState, bool fatal);

    [LoggerMessage(EventId = LogEventIds.WireStatementRefused, EventName = "WireStatementRefused", Level = LogLevel.Debug, Message = "Wire client {ProcessId}: statement refused with {SqlState}")]
    public static partial void StatementRefused(ILogger logger, int processId, string sqlState);

    [LoggerMessage(EventId = LogEventIds.WireSessionFailed, EventName = "WireSessionFailed", Level = LogLevel.Warning, Message = "Wire client {ProcessId} session ended by an unexpected {ExceptionType}")]
    public static partial void SessionFailed(ILogger logger, int processId, string exceptionType, Exception exception);

    [LoggerMessage(EventId = LogEventIds.WireBackendConnected, EventName = "WireBackendConnected", Level = LogLevel.Debug, Message = "Opened a wire backend connection to node {NodeId} (backend pid {BackendPid})")]
    public static partial void BackendConnected(ILogger logger, string nodeId, int backendPid);

    [LoggerMessage(EventId = LogEventIds.WireBackendConnectFailed, EventName = "WireBackendConnectFailed", Level = LogLevel.Warning, Message = "Could not open a wire backend connection to node {NodeId} ({Endpoint}): {Reason}")]
    public static partial void BackendConnectFailed(ILogger logger, string nodeId, string endpoint, string reason);

    [LoggerMessage(EventId = LogEventIds.WireBackendBroken, EventName = "WireBackendBroken", Level = LogLevel.Warning, Message = "Wire backend connection to node {NodeId} broke ({ExceptionType}); it was discarded")]
    public static partial void BackendBroken(ILogger logger, string nodeId, string exceptionType);

    [LoggerMessage(EventId = LogEventIds.WireCancelForwarded, EventName = "WireCancelForwarded", Level = LogLevel.Information, Message = "Forwarded a cancel request of wire client {ProcessId} to node {NodeId}")]
    public static partial void CancelForwarded(ILogger logger, int processId, string nodeId);

    [LoggerMessage(EventId = LogEventIds.WireCancelIgnored, EventName = "WireCancelIgnored", Level = LogLevel.Debug, Message = "Ignored a cancel request for wire client {ProcessId}: {Reason}")]
    public static partial void CancelIgnored(ILogger logger, int processId, string reason);

    [LoggerMessage(EventId = LogEventIds.WireInvalidationFailed, EventName = "WireInvalidationFailed", Level = LogLevel.Warning, Message = "Could not invalidate the cache after a wire write on shard {ShardId} ({ExceptionType})")]
    public static partial void InvalidationFailed(ILogger logger, string shardId, string exceptionType);

    [LoggerMessage(EventId = LogEventIds.WireTlsCertificateLoaded, EventName = "WireTlsCertificateLoaded", Level = LogLevel.Information, Message = "Wire front end TLS ({Mode}): certificate {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
    public static partial void TlsCertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter, string mode);

    [LoggerMessage(EventId = LogEventIds.WireTlsHandshakeFailed, EventName = "WireTlsHandshakeFailed", Level = LogLevel.Information, Message = "Wire client TLS handshake failed ({ExceptionType}: {Reason})")]
    public static partial void TlsHandshakeFailed(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = LogEventIds.WireTlsRequired, EventName = "WireTlsRequired", Level = LogLevel.Information, Message = "Refused a plain-text wire login for user {User}: DataTier:Postgres:Tls:Mode is Require")]
    public static partial void TlsRequired(ILogger logger, string user);
}
