using System.Text.Json;

namespace DataTier.Server.Problems;

/// <summary>Writes RFC 9457 problem+json answers. Never a stack trace, connection string or key.</summary>
public static class ProblemWriter
{
    /// <summary>Writes a problem with optional extension members.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string type, string title, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter.AsStream());
        writer.WriteStartObject();
        writer.WriteString("type", type);
        writer.WriteString("title", title);
        writer.WriteNumber("status", status);
        writer.WriteString("detail", detail);
        writer.WriteString("instance", context.Request.Path.Value);
        if (extensions is not null)
        {
            foreach (var (name, value) in extensions)
            {
                if (value is null)
                {
                    continue;
                }

                writer.WritePropertyName(name);
                Core.Execution.ResultJsonWriter.WriteValue(writer, value);
            }
        }

        writer.WriteString("traceId", context.TraceIdentifier);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
