namespace DataTier.Core.Execution;

/// <summary>A json/jsonb value as the server sent it, written to answers unchanged.</summary>
public readonly record struct RawJson(string Json);
