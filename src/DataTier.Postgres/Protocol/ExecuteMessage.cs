namespace DataTier.Postgres.Protocol;

/// <summary>Execute 'E': run a portal, returning at most <see cref="MaxRows"/> rows before PortalSuspended.</summary>
/// <param name="PortalName">The portal's name; empty for the unnamed portal.</param>
/// <param name="MaxRows">The row limit as sent; PostgreSQL treats zero and negative values as "no limit".</param>
public readonly record struct ExecuteMessage(string PortalName, int MaxRows)
{
    /// <summary>True when the client asked for every row (<see cref="MaxRows"/> &lt;= 0).</summary>
    public bool IsUnlimited => MaxRows <= 0;
}
