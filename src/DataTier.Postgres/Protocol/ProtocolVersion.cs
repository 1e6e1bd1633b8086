namespace DataTier.Postgres.Protocol;

/// <summary>A frontend/backend protocol version as the startup packet carries it: major in the high 16 bits.</summary>
public readonly record struct ProtocolVersion(ushort Major, ushort Minor)
{
    /// <summary>Protocol 3.0 (196608), what every client since PostgreSQL 7.4 speaks.</summary>
    public static ProtocolVersion V3_0 => new(3, 0);

    /// <summary>The 32-bit code in the startup packet.</summary>
    public int Code => (Major << 16) | Minor;

    /// <summary>The version a startup packet's 32-bit code names.</summary>
    public static ProtocolVersion FromCode(int code) => new((ushort)((uint)code >> 16), (ushort)code);

    /// <inheritdoc />
    public override string ToString() => $"{Major}.{Minor}";
}
