namespace DataTier.Core.Diagnostics;

/// <summary>Which front end a statement came through, for the digest and slow-query reports.</summary>
public enum DigestFrontEnd
{
    /// <summary>The HTTP/JSON data API (and the .NET client over it).</summary>
    Http,

    /// <summary>The PostgreSQL wire protocol (psql, pgbench, Npgsql, EF Core ...).</summary>
    Wire,
}
