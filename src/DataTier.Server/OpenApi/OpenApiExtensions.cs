using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace DataTier.Server.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and the API reference page (<c>/reference</c>). Both are public:
/// they describe the API, not its data, and every operation still needs its key. They are ordinary endpoints, so the
/// data path gains no middleware; the document is built on its first request and then served from memory.
/// </summary>
public static class OpenApiExtensions
{
    /// <summary>The document's name (its path is <c>/openapi/v1.json</c>).</summary>
    public const string DocumentName = "v1";

    /// <summary>Where the document is served.</summary>
    public const string DocumentPath = "/openapi/" + DocumentName + ".json";

    /// <summary>Where the API reference page is served.</summary>
    public const string ReferencePath = "/reference";

    /// <summary>Registers the document's generator and transformers.</summary>
    public static IServiceCollection AddDataTierOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, static o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer<DataTierDocumentTransformer>();
            o.AddOperationTransformer<DataTierOperationTransformer>();
            o.AddSchemaTransformer<DataTierSchemaTransformer>();
            o.AddDocumentTransformer<RequestDelegateDocumentTransformer>();
        });
        return services;
    }

    /// <summary>Maps the document and the reference page.</summary>
    public static void MapDataTierOpenApi(this WebApplication app)
    {
        var provider = app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = new Lazy<Task<byte[]>>(() => RenderAsync(provider), LazyThreadSafetyMode.ExecutionAndPublication);
        app.MapGet(DocumentPath, async () => Results.Bytes(await document.Value, "application/json; charset=utf-8"))
            .ExcludeFromDescription();

        // Scalar's page loads its script from this app (/reference/scalar.js, embedded in the package), not a CDN; its
        // fonts (a CDN by default), telemetry, AI agent and MCP integration are off, so the page reaches no other host.
        app.MapScalarApiReference(ReferencePath, static o => o
            .WithTitle("DataTier API reference")
            .WithOpenApiRoutePattern(DocumentPath)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp());
    }

    private static async Task<byte[]> RenderAsync(IOpenApiDocumentProvider provider)
    {
        var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }
}
