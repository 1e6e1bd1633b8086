using Microsoft.AspNetCore.Http.Metadata;
using DataTier.Server.Problems;

namespace DataTier.Server.OpenApi;

/// <summary>Describes endpoints for the OpenAPI document: metadata only, read once when the document is built.</summary>
public static class OpenApiEndpointExtensions
{
    /// <summary>The problem statuses every data API endpoint can answer besides its own.</summary>
    public static readonly int[] DataProblems = [400, 413, 429, 500];

    /// <summary>The problem statuses every admin endpoint can answer besides its own.</summary>
    public static readonly int[] AdminProblems = [400, 429, 500];

    /// <summary>The endpoint answers problem+json (<see cref="DataTierProblem"/>) with each of <paramref name="statuses"/>.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (int status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(DataTierProblem), [ProblemContentType]));
        }

        return builder;
    }

    /// <summary>
    /// The endpoint reads a JSON body of <typeparamref name="T"/> and answers 200 with <typeparamref name="TAnswer"/>:
    /// for handlers that read and write JSON themselves (plain request delegates), whose signature says neither.
    /// </summary>
    public static IEndpointConventionBuilder Json<T, TAnswer>(this IEndpointConventionBuilder builder) =>
        builder.WithMetadata(new JsonRequestBody(typeof(T)), new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TAnswer), ["application/json"]));

    /// <summary>The endpoint takes an optional <c>Idempotency-Key</c> header.</summary>
    public static TBuilder AcceptsIdempotencyKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(OpenApi.AcceptsIdempotencyKey.Instance);

    /// <summary>The content type of problems.</summary>
    public const string ProblemContentType = "application/problem+json";
}
