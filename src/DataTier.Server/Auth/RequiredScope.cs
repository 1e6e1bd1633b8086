namespace DataTier.Server.Auth;

/// <summary>
/// Endpoint metadata: the API key scope a request must carry. Several (a group's and an endpoint's) must all hold.
/// </summary>
/// <param name="Scope">One of <see cref="Scopes"/>.</param>
public sealed record RequiredScope(string Scope);
