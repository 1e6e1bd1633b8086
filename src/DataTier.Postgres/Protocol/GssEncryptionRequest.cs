namespace DataTier.Postgres.Protocol;

/// <summary>GSSENCRequest: the client asks for GSSAPI encryption; the answer is the single byte 'G' or 'N'.</summary>
public sealed class GssEncryptionRequest : StartupPacket
{
    private GssEncryptionRequest()
    {
    }

    /// <summary>The only instance: the packet carries nothing.</summary>
    public static GssEncryptionRequest Instance { get; } = new();

    /// <inheritdoc />
    public override int Code => GssEncryptionRequestCode;
}
