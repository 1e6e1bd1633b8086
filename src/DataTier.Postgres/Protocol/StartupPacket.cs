namespace DataTier.Postgres.Protocol;

/// <summary>
/// One of the untyped packets a client may send before its first typed message: <see cref="StartupMessage"/>,
/// <see cref="SslRequest"/>, <see cref="GssEncryptionRequest"/> or <see cref="CancelRequest"/>.
/// </summary>
/// <remarks>A class hierarchy rather than a struct union: there are one or two per connection, and a switch on the type reads best.</remarks>
public abstract class StartupPacket
{
    private protected StartupPacket()
    {
    }

    /// <summary>The request code: the protocol version for a StartupMessage, a magic number otherwise.</summary>
    public abstract int Code { get; }

    /// <summary>80877102: CancelRequest (1234 in the high 16 bits, 5678 in the low).</summary>
    public const int CancelRequestCode = (1234 << 16) | 5678;

    /// <summary>80877103: SSLRequest.</summary>
    public const int SslRequestCode = (1234 << 16) | 5679;

    /// <summary>80877104: GSSENCRequest.</summary>
    public const int GssEncryptionRequestCode = (1234 << 16) | 5680;
}
