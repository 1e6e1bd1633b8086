using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Compression;

[Collection(ClusterCollection.Name)]
public sealed partial class ResponseCompressionTests(ClusterFixture fixture, ITestOutputHelper output)
{
    // Every column of 2 x 4,200 demo activity rows: about 1 MB of JSON, as an application reads it.
    private static readonly object LargeScatter = new
    {
        sql = "select team_id, log_id, user_id, action, details, created_at from activity_logs",
        orderBy = new object[] { new { column = "log_id", descending = false } },
        maxRows = 4200,
        consistency = "strong",
        cache = "bypass",
    };

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task A_large_answer_is_sent_in_the_accepted_encoding_at_under_30_percent_of_its_size(string encoding)
    {
        var (plain, compressed) = await ReadPlainThenCompressedAsync(encoding);

        Assert.True(plain.Body.Length > 900_000, $"the answer should be about 1 MB; it is {plain.Body.Length} bytes");
        Assert.Equal(encoding, Assert.Single(compressed.Encodings));
        double ratio = (double)compressed.Body.Length / plain.Body.Length;
        output.WriteLine($"{encoding}: {plain.Body.Length} -> {compressed.Body.Length} bytes ({ratio:P1})");
        Assert.True(ratio <= 0.30, $"{encoding} sent {compressed.Body.Length} bytes for a {plain.Body.Length}-byte answer ({ratio:P1}); expected at most 30%");
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task A_large_compressed_answer_decompresses_to_the_uncompressed_answer(string encoding)
    {
        var (plain, compressed) = await ReadPlainThenCompressedAsync(encoding);

        string decompressed = System.Text.Encoding.UTF8.GetString(Decompress(encoding, compressed.Body));
        string expected = System.Text.Encoding.UTF8.GetString(plain.Body);
        // The per-shard timings are the only part of two answers to the same read that differ.
        Assert.Equal(WithoutTimings(expected), WithoutTimings(decompressed));
    }

    [Fact]
    public async Task A_small_answer_is_sent_uncompressed_to_a_client_that_accepts_br_and_gzip()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = CreateRawClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/query") { Content = JsonContent.Create(new { shardKey = "team-1", sql = "select 1 as one" }) };
        request.Headers.AcceptEncoding.ParseAdd("br, gzip");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.StartsWith("{\"rows\":[{\"one\":1}]", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_answer_is_sent_uncompressed_to_a_client_that_sends_no_accept_encoding()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = CreateRawClient(server);

        var answer = await ScatterAsync(client, null);

        Assert.Empty(answer.Encodings);
        Assert.Equal(answer.Body.Length, answer.ContentLength);
        Assert.Equal((byte)'{', answer.Body[0]);
    }

    // No automatic decompression: the test sees the bytes on the wire.
    private HttpClient CreateRawClient(DataTierServer server)
    {
        var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Manifest.Keys.Reader);
        return client;
    }

    // The same large read twice from one server: without Accept-Encoding, then accepting only encoding.
    private async Task<(WireAnswer Plain, WireAnswer Compressed)> ReadPlainThenCompressedAsync(string encoding)
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = CreateRawClient(server);
        var plain = await ScatterAsync(client, null);
        return (plain, await ScatterAsync(client, encoding));
    }

    private static async Task<WireAnswer> ScatterAsync(HttpClient client, string? acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/scatter") { Content = JsonContent.Create(LargeScatter) };
        if (acceptEncoding is not null)
        {
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        }

        using var response = await client.SendAsync(request);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"/v1/scatter answered {(int)response.StatusCode}");
        return new WireAnswer(body, [.. response.Content.Headers.ContentEncoding], response.Content.Headers.ContentLength);
    }

    private static byte[] Decompress(string encoding, byte[] body)
    {
        using var input = new MemoryStream(body);
        using Stream decompressor = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decompressor.CopyTo(output);
        return output.ToArray();
    }

    private static string WithoutTimings(string json) => ElapsedMs().Replace(json, "\"elapsedMs\":0");

    [GeneratedRegex("\"elapsedMs\":[0-9.eE+-]+")]
    private static partial Regex ElapsedMs();

    private sealed record WireAnswer(byte[] Body, IReadOnlyList<string> Encodings, long? ContentLength);
}
