namespace DataTier.Client;

/// <summary>How fresh a read must be.</summary>
public enum Consistency
{
    /// <summary>A healthy replica within the lag bound, or the cache.</summary>
    Eventual,

    /// <summary>The primary.</summary>
    Strong,

    /// <summary>Sees this client's own writes (the session token is sent).</summary>
    Session,
}
