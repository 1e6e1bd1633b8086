namespace DataTier.Postgres.Protocol;

/// <summary>BackendKeyData 'K': the keys a client must send in a CancelRequest for this session.</summary>
/// <param name="ProcessId">The backend's process id (or, for DataTier, a session id).</param>
/// <param name="SecretKey">The secret key.</param>
public readonly record struct BackendKeyData(int ProcessId, int SecretKey);
