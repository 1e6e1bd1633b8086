using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace DataTier.Server.Problems;

/// <summary>
/// Serves what each problem <c>type</c> means: <c>GET /problems</c> lists every code (each under an anchor named by
/// the code) and <c>GET /problems/{code}</c> explains one, at the same path as the type URI's. The pages are rendered
/// once from <see cref="ProblemCatalog"/>, so they cannot drift from the list of codes, and need no API key.
/// </summary>
public static class ProblemPages
{
    private const string Html = "text/html; charset=utf-8";

    /// <summary>Maps <c>/problems</c> and <c>/problems/{code}</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        byte[] index = Encoding.UTF8.GetBytes(RenderIndex());
        var pages = ProblemCatalog.All.ToFrozenDictionary(e => e.Code, e => Encoding.UTF8.GetBytes(RenderOne(e)), StringComparer.Ordinal);
        var group = app.MapGroup("/problems").WithTags("Problems");
        group.MapGet("/", () => Results.Bytes(index, Html))
            .WithName("ListProblemTypes")
            .WithSummary("Every problem type DataTier answers with")
            .WithDescription("An HTML page listing each problem code with its statuses and meaning; each code is the anchor '#<code>'.")
            .Produces(StatusCodes.Status200OK, contentType: "text/html");
        group.MapGet("/{code}", (string code) => pages.TryGetValue(code, out var page)
                ? Results.Bytes(page, Html)
                : throw new ProblemException(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", $"DataTier has no problem type '{(code.Length <= 64 ? code : code[..64])}'; /problems lists them."))
            .WithName("GetProblemType")
            .WithSummary("What one problem type means")
            .WithDescription("The page a problem's 'type' URI (https://datatier.dev/problems/<code>) names, served by every DataTier instance at the same path.")
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .Produces<DataTierProblem>(StatusCodes.Status404NotFound, "application/problem+json");
    }

    private static string RenderIndex()
    {
        var html = new StringBuilder();
        Open(html, "DataTier problem types");
        html.Append("<h1>DataTier problem types</h1>\n<p>Every error DataTier answers is <code>application/problem+json</code> (RFC 9457) with a <code>type</code> of <code>")
            .Append(Encode(ProblemTypes.Base)).Append("&lt;code&gt;</code>. Clients branch on the code (also in the <code>code</code> member of data API problems); <code>detail</code> is for people. The OpenAPI document is at <a href=\"/openapi/v1.json\">/openapi/v1.json</a>.</p>\n");
        foreach (var area in Enum.GetValues<ProblemArea>())
        {
            html.Append("<h2>").Append(AreaTitle(area)).Append("</h2>\n<dl>\n");
            foreach (var entry in ProblemCatalog.All.Where(e => e.Area == area))
            {
                html.Append("<dt id=\"").Append(Encode(entry.Code)).Append("\"><a href=\"/problems/").Append(Encode(entry.Code)).Append("\"><code>")
                    .Append(Encode(entry.Code)).Append("</code></a> ").Append(Statuses(entry)).Append(" ").Append(Encode(entry.Title)).Append("</dt>\n<dd>")
                    .Append(Encode(entry.Explanation)).Append("</dd>\n");
            }

            html.Append("</dl>\n");
        }

        return Close(html);
    }

    private static string RenderOne(ProblemEntry entry)
    {
        var html = new StringBuilder();
        Open(html, $"{entry.Code}: DataTier problem type");
        html.Append("<p><a href=\"/problems\">All problem types</a></p>\n<h1><code>").Append(Encode(entry.Code)).Append("</code>: ").Append(Encode(entry.Title)).Append("</h1>\n")
            .Append("<p>Type <code>").Append(Encode(ProblemTypes.For(entry.Code))).Append("</code>, answered with HTTP ").Append(Statuses(entry)).Append(" by ").Append(AreaTitle(entry.Area).ToLowerInvariant()).Append(".</p>\n")
            .Append("<p id=\"").Append(Encode(entry.Code)).Append("\">").Append(Encode(entry.Explanation)).Append("</p>\n");
        return Close(html);
    }

    private static string AreaTitle(ProblemArea area) => area switch
    {
        ProblemArea.Any => "Any endpoint",
        ProblemArea.Data => "The data API (/v1)",
        _ => "The admin endpoints (/admin)",
    };

    private static string Statuses(ProblemEntry entry) => string.Join(" / ", entry.Statuses.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static void Open(StringBuilder html, string title) =>
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(title))
            .Append("</title>\n<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}dt{margin-top:1rem;font-weight:bold}dd{margin-left:1.5rem}code{background:#f3f3f3;padding:0 .2rem}</style>\n</head>\n<body>\n");

    private static string Close(StringBuilder html) => html.Append("</body>\n</html>\n").ToString();

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
