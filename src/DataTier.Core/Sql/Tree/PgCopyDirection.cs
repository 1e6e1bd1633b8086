namespace DataTier.Core.Sql.Tree;

/// <summary>Which way a COPY moves rows.</summary>
internal enum PgCopyDirection
{
    /// <summary><c>COPY ... FROM</c>: rows into a table.</summary>
    From,

    /// <summary><c>COPY ... TO</c>: rows out of a table or query.</summary>
    To,
}
