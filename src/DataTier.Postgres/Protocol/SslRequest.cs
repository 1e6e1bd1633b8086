namespace DataTier.Postgres.Protocol;

/// <summary>SSLRequest: the client asks for TLS; the answer is the single byte 'S' or 'N', then a new startup packet.</summary>
public sealed class SslRequest : StartupPacket
{
    private SslRequest()
    {
    }

    /// <summary>The only instance: the packet carries nothing.</summary>
    public static SslRequest Instance { get; } = new();

    /// <inheritdoc />
    public override int Code => SslRequestCode;
}
