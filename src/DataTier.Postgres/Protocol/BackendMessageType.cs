namespace DataTier.Postgres.Protocol;

/// <summary>The type byte of a message a server sends.</summary>
/// <remarks>The backend reader accepts any type byte, so a newer server's messages can still be relayed.</remarks>
public enum BackendMessageType : byte
{
    /// <summary>Authentication 'R' (Ok, SASL, SASLContinue, SASLFinal, MD5, cleartext...).</summary>
    Authentication = (byte)'R',

    /// <summary>BackendKeyData 'K'.</summary>
    BackendKeyData = (byte)'K',

    /// <summary>BindComplete '2'.</summary>
    BindComplete = (byte)'2',

    /// <summary>CloseComplete '3'.</summary>
    CloseComplete = (byte)'3',

    /// <summary>CommandComplete 'C'.</summary>
    CommandComplete = (byte)'C',

    /// <summary>CopyData 'd'.</summary>
    CopyData = (byte)'d',

    /// <summary>CopyDone 'c'.</summary>
    CopyDone = (byte)'c',

    /// <summary>CopyInResponse 'G'.</summary>
    CopyInResponse = (byte)'G',

    /// <summary>CopyOutResponse 'H'.</summary>
    CopyOutResponse = (byte)'H',

    /// <summary>CopyBothResponse 'W'.</summary>
    CopyBothResponse = (byte)'W',

    /// <summary>DataRow 'D'.</summary>
    DataRow = (byte)'D',

    /// <summary>EmptyQueryResponse 'I'.</summary>
    EmptyQueryResponse = (byte)'I',

    /// <summary>ErrorResponse 'E'.</summary>
    ErrorResponse = (byte)'E',

    /// <summary>FunctionCallResponse 'V'.</summary>
    FunctionCallResponse = (byte)'V',

    /// <summary>NegotiateProtocolVersion 'v'.</summary>
    NegotiateProtocolVersion = (byte)'v',

    /// <summary>NoData 'n'.</summary>
    NoData = (byte)'n',

    /// <summary>NoticeResponse 'N'.</summary>
    NoticeResponse = (byte)'N',

    /// <summary>NotificationResponse 'A'.</summary>
    NotificationResponse = (byte)'A',

    /// <summary>ParameterDescription 't'.</summary>
    ParameterDescription = (byte)'t',

    /// <summary>ParameterStatus 'S'.</summary>
    ParameterStatus = (byte)'S',

    /// <summary>ParseComplete '1'.</summary>
    ParseComplete = (byte)'1',

    /// <summary>PortalSuspended 's'.</summary>
    PortalSuspended = (byte)'s',

    /// <summary>ReadyForQuery 'Z'.</summary>
    ReadyForQuery = (byte)'Z',

    /// <summary>RowDescription 'T'.</summary>
    RowDescription = (byte)'T',
}
