namespace DataTier.Server.Problems;

/// <summary>Which endpoints answer a problem code; the OpenAPI document lists a code under the operations of its area.</summary>
public enum ProblemArea
{
    /// <summary>Any endpoint (authentication, routing, request bodies, rate limiting).</summary>
    Any,

    /// <summary>The data API (<c>/v1/*</c>) and the reads the cache warm-up runs.</summary>
    Data,

    /// <summary>The admin endpoints (<c>/admin/*</c>).</summary>
    Admin,
}
