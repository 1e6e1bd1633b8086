namespace DataTier.Server.Problems;

/// <summary>A request error raised by the host (bad JSON, a missing field), answered as problem+json.</summary>
public sealed class ProblemException(int status, string type, string title, string detail) : Exception(detail)
{
    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>Problem type URI.</summary>
    public string Type { get; } = type;

    /// <summary>Short summary.</summary>
    public string Title { get; } = title;

    /// <summary>A 400 invalid-request problem.</summary>
    public static ProblemException InvalidRequest(string detail) => new(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "Invalid request", detail);
}
