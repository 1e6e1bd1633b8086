using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DataTier.Server.OpenApi;

/// <summary>
/// Two corrections to the generated schemas. Numbers: the web JSON defaults read numbers from strings too, which the
/// generator writes as "integer or string"; DataTier answers with JSON numbers, and clients should send them, so the
/// document says number. Rows: a row (<c>Dictionary&lt;string, JsonElement&gt;</c>) is an object whose columns may
/// hold any JSON value, which the document says explicitly so generated clients type a column as unknown.
/// </summary>
internal sealed class DataTierSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (context.JsonTypeInfo.Type == typeof(Dictionary<string, JsonElement>))
        {
            schema.Type = JsonSchemaType.Object;
            schema.AdditionalPropertiesAllowed = true;
            schema.AdditionalProperties = new OpenApiSchema { Description = "A column's value: any JSON value." };
        }

        return Task.CompletedTask;
    }
}
