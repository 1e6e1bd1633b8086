using System.Net;
using System.Text;

namespace DataTier.Client.Tests;

/// <summary>
/// A fake server at the HttpClient seam: answers each attempt with the next step of a script (a status and body, or
/// an exception as a dropped connection would raise), and records the Idempotency-Key of every attempt.
/// </summary>
internal sealed class ScriptedHandler(params Func<HttpResponseMessage>[] steps) : HttpMessageHandler
{
    private int _next;

    public List<string?> Keys { get; } = [];

    public static Func<HttpResponseMessage> Drop => () => throw new HttpRequestException("connection reset (scripted)");

    public static Func<HttpResponseMessage> Answer(HttpStatusCode status, string json, TimeSpan? retryAfter = null) => () =>
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, status == HttpStatusCode.OK ? "application/json" : "application/problem+json") };
        if (retryAfter is { } after)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(after);
        }

        return response;
    };

    public static Func<HttpResponseMessage> Problem(HttpStatusCode status, string code, TimeSpan? retryAfter = null) =>
        Answer(status, $$"""{"type":"https://datatier.dev/problems/{{code}}","title":"t","status":{{(int)status}},"detail":"scripted","code":"{{code}}"}""", retryAfter);

    public static Func<HttpResponseMessage> Written => Answer(HttpStatusCode.OK, """{"rowsAffected":1,"rows":[],"shard":"s1","token":"tok"}""");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null);
        var step = steps[Math.Min(_next++, steps.Length - 1)];
        return Task.FromResult(step());
    }
}
