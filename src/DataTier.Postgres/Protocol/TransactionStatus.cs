namespace DataTier.Postgres.Protocol;

/// <summary>The transaction status a ReadyForQuery message reports.</summary>
public enum TransactionStatus : byte
{
    /// <summary>'I': not in a transaction block.</summary>
    Idle = (byte)'I',

    /// <summary>'T': in a transaction block.</summary>
    InTransaction = (byte)'T',

    /// <summary>'E': in a failed transaction block; statements are refused until it ends.</summary>
    Failed = (byte)'E',
}
