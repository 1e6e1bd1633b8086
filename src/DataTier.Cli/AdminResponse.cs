using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTier.Cli;

/// <summary>A server's answer to an admin request: its status and its JSON body (an RFC 9457 problem when it refused).</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The parsed body, or null when it was empty or not JSON.</param>
/// <param name="Text">The body as sent.</param>
internal sealed record AdminResponse(HttpStatusCode Status, JsonNode? Body, string Text)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>
    /// A refusal the operator can act on (a move already running, nothing to move, a shard not empty): 409, which the
    /// CLI reports with exit code 2 so that scripts can tell it from a failure.
    /// </summary>
    public bool IsRefusal => Status == HttpStatusCode.Conflict;

    /// <summary>The problem's code: the last segment of its <c>type</c> (<c>nothing-to-move</c>), or null.</summary>
    public string? ProblemCode =>
        Body is JsonObject { } problem && problem["type"] is JsonValue type && type.TryGetValue(out string? uri)
            ? uri[(uri.LastIndexOf('/') + 1)..]
            : null;

    /// <summary>What to tell the operator: the problem's detail (else its title, else the body, else the status).</summary>
    public string Detail =>
        Body is JsonObject problem && (StringOf(problem, "detail") ?? StringOf(problem, "title")) is { } text ? text
        : !string.IsNullOrWhiteSpace(Text) ? Text
        : $"{(int)Status} {Status}";

    /// <summary>Reads a response; a body that is not JSON is kept as text only.</summary>
    public static async Task<AdminResponse> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        JsonNode? body = null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // A proxy's HTML error page, say: shown as it is.
            }
        }

        return new AdminResponse(response.StatusCode, body, text);
    }

    private static string? StringOf(JsonObject problem, string name) =>
        problem[name] is JsonValue value && value.TryGetValue(out string? text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
