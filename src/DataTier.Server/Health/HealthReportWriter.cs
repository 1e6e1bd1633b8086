using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataTier.Server.Health;

/// <summary>Writes a health report as JSON: overall status, then each check with its status, duration and data.</summary>
public static class HealthReportWriter
{
    /// <summary>Response writer for <c>MapHealthChecks</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        await using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString("status", report.Status.ToString().ToLowerInvariant());
        writer.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
        writer.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            writer.WriteStartObject(name);
            writer.WriteString("status", entry.Status.ToString().ToLowerInvariant());
            writer.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 3));
            writer.WriteString("description", entry.Description ?? entry.Exception?.GetType().Name);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, entry.Data.ToDictionary(kv => kv.Key, kv => kv.Value), Api.ServerJsonContext.Default.DictionaryStringObject);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync();
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
