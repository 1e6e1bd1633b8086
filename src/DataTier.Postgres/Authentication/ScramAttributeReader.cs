namespace DataTier.Postgres.Authentication;

/// <summary>Reads the comma-separated <c>name=value</c> attributes of a SCRAM message (RFC 5802 section 5.1).</summary>
/// <remarks>Never throws: every malformed shape is a false return that the exchange turns into a failure step.</remarks>
internal ref struct ScramAttributeReader
{
    private readonly ReadOnlySpan<byte> _message;
    private int _position;

    public ScramAttributeReader(ReadOnlySpan<byte> message)
    {
        _message = message;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _message.Length;

    /// <summary>Where the next attribute starts.</summary>
    public readonly int Position => _position;

    /// <summary>The name of the next attribute, or 0 at the end.</summary>
    public readonly byte PeekName() => AtEnd ? (byte)0 : _message[_position];

    /// <summary>Reads the next attribute, which must be called <paramref name="name"/>.</summary>
    public bool TryRead(byte name, out ReadOnlySpan<byte> value) => TryReadAny(out byte actual, out value) && actual == name;

    /// <summary>Reads the next attribute: one ASCII letter, '=', a value up to the next comma or the end.</summary>
    public bool TryReadAny(out byte name, out ReadOnlySpan<byte> value)
    {
        name = 0;
        value = default;
        if (_message.Length - _position < 2)
        {
            return false;
        }

        name = _message[_position];
        if (!char.IsAsciiLetter((char)name) || _message[_position + 1] != (byte)'=')
        {
            return false;
        }

        int start = _position + 2;
        int comma = _message[start..].IndexOf((byte)',');
        int end = comma < 0 ? _message.Length : start + comma;
        value = _message[start..end];
        _position = comma < 0 ? end : end + 1;
        return true;
    }
}
