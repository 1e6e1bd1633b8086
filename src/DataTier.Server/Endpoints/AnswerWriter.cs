using System.Buffers;
using System.Text.Json;

namespace DataTier.Server.Endpoints;

/// <summary>
/// Writes a JSON answer with a Content-Length, through one buffer and one JSON writer per thread: an answer is
/// written synchronously from <see cref="Start"/> to <see cref="SendAsync"/>, so nothing else on the thread can use
/// them in between, and a request allocates neither.
/// </summary>
internal static class AnswerWriter
{
    private const int KeepBytes = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The thread's writer, empty.</summary>
    public static Utf8JsonWriter Start()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        if (t_writer is { } writer)
        {
            writer.Reset(buffer);
            return writer;
        }

        return t_writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Copies what <paramref name="writer"/> wrote into the response and flushes it.</summary>
    public static ValueTask<System.IO.Pipelines.FlushResult> SendAsync(HttpContext http, Utf8JsonWriter writer)
    {
        writer.Flush();
        var buffer = t_buffer!;
        var response = http.Response;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > KeepBytes)
        {
            // A large answer's buffer is not kept for the thread's lifetime.
            t_buffer = null;
            t_writer = null;
        }
        else
        {
            buffer.ResetWrittenCount();
        }

        return response.BodyWriter.FlushAsync(http.RequestAborted);
    }
}
