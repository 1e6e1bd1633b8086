using DataTier.Server.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DataTier.Server.OpenApi;

/// <summary>
/// The document's own parts: its description, the API key security schemes and the tags.
/// </summary>
internal sealed class DataTierDocumentTransformer : IOpenApiDocumentTransformer
{
    /// <summary>The security scheme for <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public const string BearerScheme = "bearer";

    /// <summary>The security scheme for <c>X-Api-Key: &lt;key&gt;</c>.</summary>
    public const string ApiKeyScheme = "apiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "DataTier",
            Version = "v1",
            Description = "A data tier for sharded PostgreSQL: routed reads and writes, transactions and merged cross-shard reads under /v1, "
                + "administration under /admin, health and metrics. Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'; "
                + "each operation names the scope its key needs. Every error is application/problem+json whose 'type' is "
                + ProblemTypes.Base + "<code>; GET /problems/<code> on any DataTier explains the code.",
        };
        document.ExternalDocs = new OpenApiExternalDocs { Description = "Every problem type and what it means", Url = new Uri("/problems", UriKind.Relative) };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key from DataTier:Auth:Keys, as 'Authorization: Bearer <key>'. Its scopes (data:read, data:write, admin) decide what it may call.",
        };
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "The same API key in the 'X-Api-Key' header (taken before 'Authorization' when both are sent).",
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in Tags)
        {
            document.Tags.Add(new OpenApiTag { Name = name, Description = description });
        }

        return Task.CompletedTask;
    }

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Data", "Routed reads and writes, transactions and merged reads across every shard."),
        ("Health", "Probes, node health and metrics; no API key."),
        ("Topology", "The hash ring and where a key lives."),
        ("Shards", "Topology changes, ownership checks and planned switchovers."),
        ("Rebalancing", "Proposals, plans and online moves of rows between shards."),
        ("Cache", "Cache statistics, invalidation and warm-up."),
        ("Database", "Slow queries, plans, database performance and index advice."),
        ("Problems", "What each problem type means."),
    ];
}
