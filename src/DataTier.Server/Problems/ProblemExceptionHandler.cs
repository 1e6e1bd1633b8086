using System.Text.Json;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using Microsoft.AspNetCore.Diagnostics;

namespace DataTier.Server.Problems;

/// <summary>Turns every exception that reaches the host into problem+json with a stable type.</summary>
public sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case ProblemException p:
                await ProblemWriter.WriteAsync(httpContext, p.Status, p.Type, p.Title, p.Message).ConfigureAwait(false);
                return true;
            case DataTierException d:
                await WriteAsync(httpContext, d).ConfigureAwait(false);
                return true;
            case BadHttpRequestException bad:
                int status = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? 413 : 400;
                await ProblemWriter.WriteAsync(httpContext, status, status == 413 ? ProblemTypes.PayloadTooLarge : ProblemTypes.InvalidJson,
                    status == 413 ? "Payload too large" : "Bad request", status == 413 ? "The request body is larger than allowed." : "The request could not be read.").ConfigureAwait(false);
                return true;
            case JsonException json:
                await ProblemWriter.WriteAsync(httpContext, 400, ProblemTypes.InvalidJson, "Invalid JSON",
                    $"The body is not valid JSON for this endpoint{(json.Path is null ? "" : $" (at {json.Path})")}.").ConfigureAwait(false);
                return true;
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                // The client went away; nobody reads the answer.
                httpContext.Response.StatusCode = 499;
                return true;
            default:
                Log.UnhandledException(logger, exception.GetType().Name, exception);
                await ProblemWriter.WriteAsync(httpContext, 500, ProblemTypes.Internal, "Internal error", "An unexpected error occurred; the server log has the details.").ConfigureAwait(false);
                return true;
        }
    }

    /// <summary>Maps a core error to its status and problem.</summary>
    public static Task WriteAsync(HttpContext context, DataTierException error)
    {
        (int status, string title) = error.Kind switch
        {
            DataTierErrorKind.BadRequest => (400, "Bad request"),
            DataTierErrorKind.Conflict => (409, "Conflict"),
            DataTierErrorKind.SqlError => (422, "SQL error"),
            DataTierErrorKind.ShardUnavailable => (503, "Shard unavailable"),
            DataTierErrorKind.PoolExhausted => (503, "Pool exhausted"),
            DataTierErrorKind.Timeout => (504, "Timeout"),
            DataTierErrorKind.RangeMoving => (503, "Range moving"),
            DataTierErrorKind.WrongShard => (409, "Wrong shard"),
            DataTierErrorKind.IdempotencyKeyReused => (422, "Idempotency key reused"),
            _ => (500, "Internal error"),
        };
        if (error.RetryAfterSeconds is int retry)
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var extensions = new Dictionary<string, object?>
        {
            ["code"] = error.Code,
            ["sqlState"] = error.SqlState,
            ["shard"] = error.ShardId,
        };
        if (error.OwnerShardId is not null)
        {
            extensions["owner"] = error.OwnerShardId;
        }

        return ProblemWriter.WriteAsync(context, status, ProblemTypes.For(error.Code), title, error.Message, extensions);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.UnhandledException, EventName = "UnhandledException", Level = LogLevel.Error, Message = "Unhandled {ExceptionType} answered as 500")]
        public static partial void UnhandledException(ILogger logger, string exceptionType, Exception error);
    }
}
