using DataTier.Server.Problems;

namespace DataTier.Server.Dashboard;

/// <summary>
/// The built-in dashboard at <c>/admin/ui/</c>: static files only, mapped as routed endpoints (no middleware, so the
/// data path pays nothing for it). The files need no key; every figure they show comes from the admin API, which does.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The dashboard's base path.</summary>
    public const string BasePath = "/admin/ui";

    // Only this origin's scripts, styles and API: no CDN, no inline script, nothing framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Maps <c>GET /admin/ui/{**path}</c>; <c>/admin/ui</c> redirects to the trailing slash the page's relative URLs need.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var assets = new DashboardAssets();
        // The optional catch-all also matches /admin/ui itself (routing ignores a trailing slash), hence one route.
        app.MapGet(BasePath + "/{**path}", (string? path, HttpContext http) =>
        {
            if (string.IsNullOrEmpty(path) && http.Request.Path.Value?.EndsWith('/') != true)
            {
                return Results.Redirect(BasePath + "/");
            }

            if (assets.Find(path) is not { } asset)
            {
                throw new ProblemException(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", $"The dashboard has no file '{path}'; open {BasePath}/.");
            }

            var headers = http.Response.Headers;
            headers.ETag = asset.ETag;
            // Revalidated on every load: a new server version's files are picked up at once, an unchanged one costs a 304.
            headers.CacheControl = "no-cache";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return http.Request.Headers.IfNoneMatch == asset.ETag
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(asset.Content, asset.ContentType);
        }).ExcludeFromDescription(); // the dashboard's own files, not API: /openapi/v1.json leaves them out.
    }
}
