using System.Net.Http.Headers;
using System.Net.Http.Json;
using DataTier.DevCluster;

namespace DataTier.Cli;

/// <summary>An HTTP client for a DataTier server's admin endpoints: <c>--server</c> and <c>--key</c>, or the dev cluster's.</summary>
internal static class AdminApiClient
{
    public static HttpClient Create(string? server, string? key, string? dir, TimeSpan timeout)
    {
        key ??= Environment.GetEnvironmentVariable("DATATIER_ADMIN_KEY");
        if (server is null || key is null)
        {
            string baseDir = CliEnvironment.DevDir(dir);
            var manifest = LocalCluster.Status(baseDir)
                ?? throw new DevClusterException($"No running dev cluster in {baseDir}. Start one (./datatier dev up) or give --server URL and --key (or DATATIER_ADMIN_KEY).");
            server ??= manifest.BaseUrl ?? throw new DevClusterException("The dev cluster runs without a server; start it with ./datatier dev up.");
            key ??= manifest.Keys.Admin;
        }

        var http = new HttpClient { BaseAddress = new Uri(server), Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Sends a request (with <paramref name="body"/> as JSON, if any) and reads the answer, whatever its status.</summary>
    public static async Task<AdminResponse> SendAsync(HttpClient http, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        return await AdminResponse.ReadAsync(response, ct).ConfigureAwait(false);
    }
}
