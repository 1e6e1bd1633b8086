using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace DataTier.Server.Diagnostics;

/// <summary>
/// Counts HTTP requests and their durations under the names and labels prometheus-net's own middlewares use
/// (<c>http_request_duration_seconds</c>, <c>http_requests_received_total</c>, <c>http_requests_in_progress</c>;
/// labels code, method, controller, action, endpoint), in one middleware whose per-request cost is a dictionary
/// lookup of the series already resolved for the endpoint, method and status (prometheus-net's three resolve their
/// label values on every request).
/// </summary>
internal sealed class HttpMetricsMiddleware
{
    private static readonly Histogram Duration = Metrics.CreateHistogram("http_request_duration_seconds", "The duration of HTTP requests processed by an ASP.NET Core application.",
        new HistogramConfiguration { LabelNames = ["code", "method", "controller", "action", "endpoint"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    private static readonly Counter Received = Metrics.CreateCounter("http_requests_received_total", "Provides the count of HTTP requests that have been processed by the ASP.NET Core pipeline.",
        ["code", "method", "controller", "action", "endpoint"]);

    private static readonly Gauge InProgress = Metrics.CreateGauge("http_requests_in_progress", "The number of requests currently in progress in the ASP.NET Core pipeline.",
        ["method", "controller", "action", "endpoint"]);

    private static readonly Gauge.Child InProgressAll = InProgress.WithLabels("", "", "", "");

    // Bounded: endpoints are the app's route patterns (or "" for unmatched paths), methods are folded to the standard
    // ones, and status codes are at most a few dozen.
    private static readonly ConcurrentDictionary<(string Endpoint, string Method, int Code), Series> Known = new();

    private readonly RequestDelegate _next;

    public HttpMetricsMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        InProgressAll.Inc();
        try
        {
            await _next(context);
        }
        finally
        {
            InProgressAll.Dec();
            string endpoint = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
            var key = (endpoint, Method(context.Request.Method), context.Response.StatusCode);
            if (!Known.TryGetValue(key, out var series))
            {
                series = Known.GetOrAdd(key, static k => new Series(k.Endpoint, k.Method, k.Code));
            }

            series.Received.Inc();
            series.Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static string Method(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD" or "OPTIONS" => method,
        _ => "OTHER",
    };

    private sealed class Series(string endpoint, string method, int code)
    {
        public Counter.Child Received { get; } = HttpMetricsMiddleware.Received.WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture), method, "", "", endpoint);

        public Histogram.Child Duration { get; } = HttpMetricsMiddleware.Duration.WithLabels(code.ToString(System.Globalization.CultureInfo.InvariantCulture), method, "", "", endpoint);
    }
}
