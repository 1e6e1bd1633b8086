namespace DataTier.Postgres.Protocol;

/// <summary>What a Describe or Close message names.</summary>
public enum StatementOrPortal : byte
{
    /// <summary>'S': a prepared statement.</summary>
    Statement = (byte)'S',

    /// <summary>'P': a portal.</summary>
    Portal = (byte)'P',
}
