using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace DataTier.Postgres.Sessions;

/// <summary>
/// The live client sessions by their BackendKeyData process id, so a CancelRequest (which arrives on a new
/// connection) finds the session it names; its secret is checked in constant time.
/// </summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<int, ClientSession> _sessions = new();

    /// <summary>Registers <paramref name="session"/> under a fresh random process id and returns it.</summary>
    public int Register(ClientSession session)
    {
        while (true)
        {
            int id = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (_sessions.TryAdd(id, session))
            {
                return id;
            }
        }
    }

    public void Unregister(int processId) => _sessions.TryRemove(processId, out _);

    public ClientSession? Find(int processId, int secretKey)
    {
        if (!_sessions.TryGetValue(processId, out var session))
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[4];
        Span<byte> presented = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(expected, session.SecretKey);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(presented, secretKey);
        return CryptographicOperations.FixedTimeEquals(expected, presented) ? session : null;
    }

    public int Count => _sessions.Count;
}
