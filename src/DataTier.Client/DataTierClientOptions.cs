namespace DataTier.Client;

/// <summary>Settings of a <see cref="DataTierClient"/>.</summary>
public sealed class DataTierClientOptions
{
    /// <summary>The API key, sent as <c>Authorization: Bearer</c>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Consistency of reads that name none.</summary>
    public Consistency DefaultConsistency { get; set; } = Consistency.Eventual;

    /// <summary>Statement timeout sent with every request, when set.</summary>
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>
    /// Attempts per write or transaction (1: no retries). Every write is sent with a new <c>Idempotency-Key</c>, the
    /// same on each of its retries, so a retry after a dropped answer applies nothing twice.
    /// </summary>
    public int MaxWriteAttempts { get; set; } = 4;

    /// <summary>The first retry's backoff; each further one doubles it (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts; a Retry-After longer than this ends the retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
