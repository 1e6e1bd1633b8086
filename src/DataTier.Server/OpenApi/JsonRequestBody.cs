namespace DataTier.Server.OpenApi;

/// <summary>
/// The JSON body a plain request delegate reads, for the OpenAPI document only. Deliberately not
/// <c>IAcceptsMetadata</c>: that one makes routing answer another content type with a bare 415, before the handler can
/// answer the problem+json every bad request gets.
/// </summary>
public sealed class JsonRequestBody(Type requestType)
{
    /// <summary>The body's type.</summary>
    public Type RequestType { get; } = requestType;

    /// <summary>The content type the body is read as.</summary>
    public static readonly string[] ContentTypes = ["application/json"];
}
