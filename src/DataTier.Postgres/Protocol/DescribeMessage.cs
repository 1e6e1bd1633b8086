namespace DataTier.Postgres.Protocol;

/// <summary>Describe 'D': ask for the parameters and row shape of a prepared statement, or the row shape of a portal.</summary>
/// <param name="Target">Whether <paramref name="Name"/> names a statement or a portal.</param>
/// <param name="Name">The statement's or portal's name; empty for the unnamed one.</param>
public readonly record struct DescribeMessage(StatementOrPortal Target, string Name);
