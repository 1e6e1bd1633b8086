namespace DataTier.Postgres.Protocol;

/// <summary>ParameterStatus 'S': the current value of a run-time parameter the server reports (server_version, TimeZone...).</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Value">Its value.</param>
public readonly record struct ParameterStatus(string Name, string Value);
