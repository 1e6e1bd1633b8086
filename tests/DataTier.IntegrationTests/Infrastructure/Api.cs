using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>Small helpers for calling the data API from tests.</summary>
internal static class Api
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostRawAsync(HttpClient client, string path, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(path, content);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PutAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(path, body);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await ReadAsync(response));
    }

    public static async Task<JsonNode> OkAsync(HttpClient client, string path, object body)
    {
        var (status, json) = await PostAsync(client, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{path} answered {(int)status}: {json?.ToJsonString()}");
        return json!;
    }

    /// <summary>Asserts a problem+json answer with the given status and problem type code.</summary>
    public static void AssertProblem((HttpStatusCode Status, JsonNode? Body) answer, HttpStatusCode status, string code)
    {
        Assert.True(answer.Status == status, $"expected {(int)status} {code}, got {(int)answer.Status}: {answer.Body?.ToJsonString()}");
        Assert.NotNull(answer.Body);
        Assert.Equal("https://datatier.dev/problems/" + code, (string?)answer.Body!["type"]);
        Assert.Equal((int)status, (int?)answer.Body["status"]);
    }

    private static async Task<JsonNode?> ReadAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
