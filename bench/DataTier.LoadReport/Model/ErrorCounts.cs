namespace DataTier.LoadReport.Model;

/// <summary>
/// Failed requests: socket errors (connect, read, write), timeouts, answers with a status above 399, and (pgbench)
/// failed transactions or aborted clients.
/// </summary>
internal sealed record ErrorCounts(long Socket, long Timeout, long Status, long Failed)
{
    public static readonly ErrorCounts None = new(0, 0, 0, 0);

    public long Total => Socket + Timeout + Status + Failed;

    public ErrorCounts Add(ErrorCounts other) =>
        new(Socket + other.Socket, Timeout + other.Timeout, Status + other.Status, Failed + other.Failed);
}
