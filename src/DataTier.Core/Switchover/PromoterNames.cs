namespace DataTier.Core.Switchover;

/// <summary>Names of the built-in promoters.</summary>
public static class PromoterNames
{
    /// <summary><c>pg_promote()</c> on the target, through its own connection string (the role needs EXECUTE on it).</summary>
    public const string PgPromote = "pg_promote";
}
