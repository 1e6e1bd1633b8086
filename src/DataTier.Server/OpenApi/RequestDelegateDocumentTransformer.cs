using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DataTier.Server.OpenApi;

/// <summary>
/// Adds the endpoints ApiExplorer leaves out: plain request delegates (the data API and /health/live, written that
/// way so a request costs no parameter binding) and the endpoints of MapHealthChecks and MapMetrics. Each is
/// described from its own metadata (name, summary, tags, accepted body, produced answers, scopes), so the same
/// <c>.WithSummary()</c>, <see cref="OpenApiEndpointExtensions.Json{T, TAnswer}"/> and
/// <see cref="OpenApiEndpointExtensions.ProducesProblems"/> conventions describe them as any other endpoint.
/// An endpoint without a summary is not described: every endpoint of DataTier has one (OpenApiDocumentTests).
/// </summary>
internal sealed partial class RequestDelegateDocumentTransformer(EndpointDataSource endpoints) : IOpenApiDocumentTransformer
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\{\**(\w+)[^}]*\}")]
    private static partial System.Text.RegularExpressions.Regex RouteConstraint();

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= new OpenApiPaths();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }
                || metadata.GetMetadata<IEndpointSummaryMetadata>() is not { } summary)
            {
                continue;
            }

            // As ApiExplorer writes it: no trailing slash, constraints and catch-all stars dropped ({id:long} and {**path} are {id}, {path}).
            string path = "/" + RouteConstraint().Replace((endpoint.RoutePattern.RawText ?? "").Trim('/'), "{$1}");
            var method = metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.FirstOrDefault() is { } m ? HttpMethod.Parse(m) : HttpMethod.Get;
            if (!document.Paths.TryGetValue(path, out var existing))
            {
                existing = new OpenApiPathItem();
                document.Paths[path] = existing;
            }

            var item = (OpenApiPathItem)existing;
            item.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
            if (item.Operations.ContainsKey(method))
            {
                continue; // ApiExplorer described it already.
            }

            var operation = new OpenApiOperation
            {
                OperationId = metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName,
                Summary = summary.Summary,
                Description = metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description,
                Tags = metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags).Distinct(StringComparer.Ordinal).Select(t => new OpenApiTagReference(t, document)).ToHashSet(),
                Responses = new OpenApiResponses(),
            };
            if (metadata.GetMetadata<JsonRequestBody>() is { RequestType: var requestType })
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = JsonRequestBody.ContentTypes.ToDictionary(c => c, _ => new OpenApiMediaType(), StringComparer.Ordinal),
                };
                var schema = await SchemaAsync(document, context, requestType, cancellationToken);
                foreach (var media in operation.RequestBody.Content!.Values)
                {
                    media.Schema = schema;
                }
            }

            foreach (var produces in metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>())
            {
                var response = new OpenApiResponse
                {
                    Description = produces.Description ?? (produces.StatusCode == 200 ? "OK" : ((System.Net.HttpStatusCode)produces.StatusCode).ToString()),
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal),
                };
                foreach (string contentType in produces.ContentTypes)
                {
                    response.Content[contentType] = new OpenApiMediaType
                    {
                        Schema = produces.Type is { } type && type != typeof(void) ? await SchemaAsync(document, context, type, cancellationToken)
                            : contentType.Contains("json", StringComparison.Ordinal)
                                ? new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true, AdditionalProperties = new OpenApiSchema() }
                                : new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }

                operation.Responses[produces.StatusCode.ToString(CultureInfo.InvariantCulture)] = response;
            }

            DataTierOperationTransformer.Describe(operation, metadata, path, document);
            item.Operations[method] = operation;
        }
    }

    // A component named after the type (as ApiExplorer's schemas are), referenced from the operation.
    private static async Task<IOpenApiSchema> SchemaAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        if (!document.Components.Schemas.ContainsKey(type.Name))
        {
            document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        }

        return new OpenApiSchemaReference(type.Name, document);
    }
}
