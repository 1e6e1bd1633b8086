namespace DataTier.Server.Auth;

/// <summary>Declares the scope endpoints need (checked by <see cref="ApiKeyAccessMiddleware"/>).</summary>
public static class ScopeEndpointExtensions
{
    /// <summary>Requests to these endpoints need an API key with <paramref name="scope"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        var metadata = new RequiredScope(scope);
        builder.Add(b => b.Metadata.Add(metadata));
        return builder;
    }
}
