namespace DataTier.Postgres.Protocol;

/// <summary>Close 'C': drop a prepared statement or a portal; closing one that does not exist is not an error.</summary>
/// <param name="Target">Whether <paramref name="Name"/> names a statement or a portal.</param>
/// <param name="Name">The statement's or portal's name; empty for the unnamed one.</param>
public readonly record struct CloseMessage(StatementOrPortal Target, string Name);
