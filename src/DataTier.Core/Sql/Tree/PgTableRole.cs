namespace DataTier.Core.Sql.Tree;

/// <summary>How a statement uses a table it names.</summary>
internal enum PgTableRole
{
    /// <summary>Rows are read: FROM, JOIN, USING, subqueries, <c>COPY ... TO</c>.</summary>
    Read,

    /// <summary>
    /// Rows or the table itself change: the target of INSERT, UPDATE, DELETE, MERGE, <c>COPY ... FROM</c>, the table
    /// <c>SELECT INTO</c> or <c>CREATE TABLE AS</c> creates, and every table a DDL or utility statement names.
    /// </summary>
    Written,
}
