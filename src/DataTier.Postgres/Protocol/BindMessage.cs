namespace DataTier.Postgres.Protocol;

/// <summary>Bind 'B': parameter values for a prepared statement, creating a portal.</summary>
/// <remarks>
/// The decoder copies the payload into one array per message and every value is a slice of it: one allocation, and
/// the values stay valid after the pipe has moved on (execution is asynchronous). Format codes are read from that
/// array on demand rather than copied into arrays of their own. <see cref="Payload"/> is the same array, so the host
/// can relay the Bind to a backend unchanged.
/// </remarks>
public sealed class BindMessage
{
    private readonly byte[] _payload;
    private readonly int _parameterFormatsOffset;
    private readonly int _resultFormatsOffset;

    // Two ints per parameter: offset into _payload and length, or -1 for NULL.
    private readonly int[] _valueRanges;

    internal BindMessage(
        string portalName,
        string statementName,
        byte[] payload,
        int parameterFormatsOffset,
        int parameterFormatCount,
        int[] valueRanges,
        int resultFormatsOffset,
        int resultFormatCount)
    {
        PortalName = portalName;
        StatementName = statementName;
        _payload = payload;
        _parameterFormatsOffset = parameterFormatsOffset;
        ParameterFormatCount = parameterFormatCount;
        _valueRanges = valueRanges;
        _resultFormatsOffset = resultFormatsOffset;
        ResultFormatCount = resultFormatCount;
    }

    /// <summary>The destination portal; empty for the unnamed portal.</summary>
    public string PortalName { get; }

    /// <summary>The source prepared statement; empty for the unnamed statement.</summary>
    public string StatementName { get; }

    /// <summary>The whole payload as received (a private copy), for relaying the message verbatim.</summary>
    public ReadOnlyMemory<byte> Payload => _payload;

    /// <summary>
    /// Everything after the statement name as received: parameter format codes, values and result format codes. Two
    /// Binds of one statement with equal arguments ask for the same answer.
    /// </summary>
    public ReadOnlySpan<byte> Arguments => _payload.AsSpan(_parameterFormatsOffset - 2);

    /// <summary>The number of parameter format codes sent: 0 (all text), 1 (one for all) or one per parameter.</summary>
    public int ParameterFormatCount { get; }

    /// <summary>The number of parameter values.</summary>
    public int ParameterCount => _valueRanges.Length / 2;

    /// <summary>The number of result format codes sent: 0 (all text), 1 (one for all) or one per column.</summary>
    public int ResultFormatCount { get; }

    /// <summary>True when parameter <paramref name="index"/> is NULL (length -1).</summary>
    public bool IsNull(int index)
    {
        CheckParameterIndex(index);
        return _valueRanges[(2 * index) + 1] < 0;
    }

    /// <summary>The bytes of parameter <paramref name="index"/>; empty for NULL, so check <see cref="IsNull"/>.</summary>
    public ReadOnlyMemory<byte> GetValue(int index)
    {
        CheckParameterIndex(index);
        int length = _valueRanges[(2 * index) + 1];
        return length < 0 ? ReadOnlyMemory<byte>.Empty : _payload.AsMemory(_valueRanges[2 * index], length);
    }

    /// <summary>The format of parameter <paramref name="index"/>, applying the protocol's 0/1/n rule.</summary>
    public FormatCode GetParameterFormat(int index)
    {
        CheckParameterIndex(index);
        return ReadFormat(_parameterFormatsOffset, ParameterFormatCount, index);
    }

    /// <summary>
    /// The format the client wants for result column <paramref name="column"/>, applying the 0/1/n rule. Call
    /// <see cref="ValidateResultFormatCount"/> first: with one code per column, a column past the count is an error.
    /// </summary>
    public FormatCode GetResultFormat(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        if (ResultFormatCount > 1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, ResultFormatCount);
        }

        return ReadFormat(_resultFormatsOffset, ResultFormatCount, column);
    }

    /// <summary>Fails as PostgreSQL does when the result format count is neither 0, 1 nor the statement's column count.</summary>
    /// <exception cref="PostgresProtocolException">08P01, not fatal: the session continues after Sync.</exception>
    public void ValidateResultFormatCount(int columnCount)
    {
        if (ResultFormatCount > 1 && ResultFormatCount != columnCount)
        {
            throw PostgresProtocolException.Violation(
                $"bind message has {ResultFormatCount} result formats but query has {columnCount} columns");
        }
    }

    private FormatCode ReadFormat(int offset, int count, int index) => count switch
    {
        0 => FormatCode.Text,
        1 => (FormatCode)(short)((_payload[offset] << 8) | _payload[offset + 1]),
        _ => (FormatCode)(short)((_payload[offset + (2 * index)] << 8) | _payload[offset + (2 * index) + 1]),
    };

    private void CheckParameterIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ParameterCount);
    }
}
