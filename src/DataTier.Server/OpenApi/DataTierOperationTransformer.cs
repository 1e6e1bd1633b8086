using System.Globalization;
using System.Text;
using DataTier.Server.Auth;
using DataTier.Server.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DataTier.Server.OpenApi;

/// <summary>
/// Per operation: the security requirement from its <see cref="RequiredScope"/> metadata (with the 401 and 403 it
/// can then answer), the <c>Idempotency-Key</c> header where it is read, and for each problem response the codes
/// <see cref="ProblemCatalog"/> lists for that status, each linked to its page.
/// </summary>
internal sealed class DataTierOperationTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        Describe(operation, metadata, "/" + (context.Description.RelativePath ?? ""), context.Document!);
        // A handler that reads its body itself names its type with JsonRequestBody (not Accepts, which would make
        // routing answer other content types with a bare 415): ApiExplorer cannot see it, so it is added here.
        if (operation.RequestBody is null && metadata.OfType<JsonRequestBody>().FirstOrDefault() is { } body)
        {
            var document = context.Document!;
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            string name = body.RequestType.Name;
            if (!document.Components.Schemas.ContainsKey(name))
            {
                document.Components.Schemas[name] = await context.GetOrCreateSchemaAsync(body.RequestType, null, cancellationToken).ConfigureAwait(false);
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = JsonRequestBody.ContentTypes.ToDictionary(c => c, _ => new OpenApiMediaType { Schema = new OpenApiSchemaReference(name, document) }, StringComparer.Ordinal),
            };
        }
    }

    /// <summary>Adds what the endpoint's metadata says to <paramref name="operation"/> (also used for request-delegate endpoints).</summary>
    public static void Describe(OpenApiOperation operation, IEnumerable<object> endpointMetadata, string path, OpenApiDocument document)
    {
        var metadata = endpointMetadata as IList<object> ?? endpointMetadata.ToList();
        var scopes = metadata.OfType<RequiredScope>().Select(r => r.Scope).Distinct(StringComparer.Ordinal).ToList();
        operation.Responses ??= new OpenApiResponses();
        if (scopes.Count > 0)
        {
            // Either scheme carries the key; the scopes are the key's roles (OpenAPI 3.1 allows them for any scheme).
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DataTierDocumentTransformer.BearerScheme, document)] = scopes },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DataTierDocumentTransformer.ApiKeyScheme, document)] = scopes },
            ];
            string needs = $"Needs an API key with the scope{(scopes.Count > 1 ? "s" : "")} {string.Join(", ", scopes)}.";
            operation.Description = string.IsNullOrEmpty(operation.Description) ? needs : operation.Description + "\n\n" + needs;
            AddProblem(operation, document, 401);
            AddProblem(operation, document, 403);
        }

        if (metadata.OfType<AcceptsIdempotencyKey>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "1 to 255 visible ASCII characters, new for each logical write and the same on its retries: a retry of a committed write applies nothing and gets the first answer (with 'Idempotent-Replayed: true').",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
            });
        }

        var area = path.StartsWith("/v1/", StringComparison.Ordinal) ? ProblemArea.Data
            : path.StartsWith("/admin/", StringComparison.Ordinal) ? ProblemArea.Admin
            : ProblemArea.Any;
        foreach (var (key, response) in operation.Responses)
        {
            if (response is OpenApiResponse concrete && concrete.Content?.ContainsKey(OpenApiEndpointExtensions.ProblemContentType) == true
                && int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int status))
            {
                concrete.Description = ProblemsOf(status, area);
            }
        }
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument document, int status)
    {
        string key = status.ToString(CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                [OpenApiEndpointExtensions.ProblemContentType] = new() { Schema = new OpenApiSchemaReference(nameof(DataTierProblem), document) },
            },
        };
    }

    // The problem codes of this status that the operation's part of the API answers, each linked to its page.
    private static string ProblemsOf(int status, ProblemArea area)
    {
        var codes = ProblemCatalog.All.Where(e => e.Statuses.Contains(status) && (e.Area == area || e.Area == ProblemArea.Any)).ToList();
        var text = new StringBuilder("A problem (application/problem+json)");
        if (codes.Count > 0)
        {
            text.Append("; its type is ").Append(ProblemTypes.Base).Append("<code>, one of: ");
            text.AppendJoin(", ", codes.Select(e => $"[{e.Code}]({ProblemCatalog.PagePath(e.Code)})"));
        }

        return text.Append('.').ToString();
    }
}
