namespace DataTier.Server.OpenApi;

/// <summary>Endpoint metadata: the endpoint reads an optional <c>Idempotency-Key</c> header (described in the OpenAPI document).</summary>
public sealed class AcceptsIdempotencyKey
{
    /// <summary>The one instance.</summary>
    public static readonly AcceptsIdempotencyKey Instance = new();

    private AcceptsIdempotencyKey()
    {
    }
}
