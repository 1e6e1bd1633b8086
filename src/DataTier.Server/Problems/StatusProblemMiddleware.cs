namespace DataTier.Server.Problems;

/// <summary>
/// Gives a 404 (no endpoint at the path) or 405 (the path exists, not with this method) that nothing wrote a body
/// for a problem+json body. It replaces UseStatusCodePages, which allocated a feature and an items dictionary on
/// every request to serve these two; a request that completed synchronously stays synchronous here.
/// </summary>
internal sealed class StatusProblemMiddleware
{
    private readonly RequestDelegate _next;

    public StatusProblemMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        var pending = _next(context);
        return pending.IsCompletedSuccessfully ? AfterAsync(context) : AwaitThenAfterAsync(pending, context);
    }

    private static async Task AwaitThenAfterAsync(Task pending, HttpContext context)
    {
        await pending;
        await AfterAsync(context);
    }

    private static Task AfterAsync(HttpContext context)
    {
        var response = context.Response;
        if (response.HasStarted || response.ContentLength is not null || !string.IsNullOrEmpty(response.ContentType))
        {
            return Task.CompletedTask;
        }

        return response.StatusCode switch
        {
            StatusCodes.Status405MethodNotAllowed => ProblemWriter.WriteAsync(context, 405, ProblemTypes.MethodNotAllowed, "Method not allowed", $"{context.Request.Method} is not allowed on {context.Request.Path}."),
            StatusCodes.Status404NotFound => ProblemWriter.WriteAsync(context, 404, ProblemTypes.NotFound, "Not found", $"There is no endpoint at {context.Request.Path}."),
            _ => Task.CompletedTask,
        };
    }
}
