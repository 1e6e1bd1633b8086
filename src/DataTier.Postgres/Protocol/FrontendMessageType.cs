namespace DataTier.Postgres.Protocol;

/// <summary>The type byte of a message a client sends after the startup packet.</summary>
public enum FrontendMessageType : byte
{
    /// <summary>Bind 'B': parameters for a prepared statement, creating a portal.</summary>
    Bind = (byte)'B',

    /// <summary>Close 'C': drop a prepared statement or portal.</summary>
    Close = (byte)'C',

    /// <summary>CopyData 'd'.</summary>
    CopyData = (byte)'d',

    /// <summary>CopyDone 'c'.</summary>
    CopyDone = (byte)'c',

    /// <summary>CopyFail 'f'.</summary>
    CopyFail = (byte)'f',

    /// <summary>Describe 'D': ask for a statement's or portal's description.</summary>
    Describe = (byte)'D',

    /// <summary>Execute 'E': run a portal.</summary>
    Execute = (byte)'E',

    /// <summary>Flush 'H'.</summary>
    Flush = (byte)'H',

    /// <summary>FunctionCall 'F': the legacy fast-path call; framed so the host can refuse it with 0A000.</summary>
    FunctionCall = (byte)'F',

    /// <summary>Parse 'P': prepare a statement.</summary>
    Parse = (byte)'P',

    /// <summary>
    /// 'p': PasswordMessage, SASLInitialResponse or SASLResponse; which one depends on the authentication request the
    /// server sent last, so the host picks the decoder.
    /// </summary>
    Password = (byte)'p',

    /// <summary>Query 'Q': the simple query protocol.</summary>
    Query = (byte)'Q',

    /// <summary>Sync 'S': end of an extended-query batch.</summary>
    Sync = (byte)'S',

    /// <summary>Terminate 'X'.</summary>
    Terminate = (byte)'X',
}
