using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>A data API answer with what idempotency tests look at.</summary>
internal sealed record KeyedAnswer(HttpStatusCode Status, JsonNode? Body, bool Replayed)
{
    public (HttpStatusCode, JsonNode?) Problem => (Status, Body);
}

/// <summary>Calls of the data API with an <c>Idempotency-Key</c>, read whole or dropped before the answer.</summary>
internal static class KeyedApi
{
    public static async Task<KeyedAnswer> PostAsync(HttpClient client, string path, object body, params string[] keys)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        foreach (string key in keys)
        {
            // Without validation: the tests send keys the server must refuse.
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        using var response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        var json = string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text);
        return new KeyedAnswer(response.StatusCode, json, response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true"));
    }

    public static async Task<KeyedAnswer> OkAsync(HttpClient client, string path, object body, string key)
    {
        var answer = await PostAsync(client, path, body, key);
        Assert.True(answer.Status == HttpStatusCode.OK, $"{path} answered {(int)answer.Status}: {answer.Body?.ToJsonString()}");
        return answer;
    }

    /// <summary>
    /// Sends a POST on a raw socket, waits <paramref name="waitMs"/>, then resets the connection (linger 0) without
    /// reading a byte of the answer: the client's view of a write whose answer was lost.
    /// </summary>
    public static async Task SendAndDropAsync(Uri server, string path, string apiKey, string key, object body, int waitMs)
    {
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(body);
        string head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {apiKey}\r\nIdempotency-Key: {key}\r\n"
            + $"Content-Type: application/json\r\nContent-Length: {payload.Length}\r\n\r\n";
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Host, server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head).Concat(payload).ToArray(), SocketFlags.None);
        if (waitMs > 0)
        {
            await Task.Delay(waitMs);
        }

        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}
