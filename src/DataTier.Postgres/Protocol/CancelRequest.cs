namespace DataTier.Postgres.Protocol;

/// <summary>CancelRequest: sent on a new connection to cancel the statement running on the session these keys name.</summary>
/// <remarks>Only protocol 3.0's 4-byte secret key; protocol 3.2's longer keys are refused as malformed.</remarks>
public sealed class CancelRequest : StartupPacket
{
    /// <summary>Creates the request for the session that BackendKeyData described with these values.</summary>
    public CancelRequest(int processId, int secretKey)
    {
        ProcessId = processId;
        SecretKey = secretKey;
    }

    /// <inheritdoc />
    public override int Code => CancelRequestCode;

    /// <summary>The process id from the session's BackendKeyData.</summary>
    public int ProcessId { get; }

    /// <summary>The secret key from the session's BackendKeyData.</summary>
    public int SecretKey { get; }
}
