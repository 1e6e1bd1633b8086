using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using DataTier.Server.Problems;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataTier.Server.RateLimiting;

/// <summary>Registers the per-key rate limiter, answering 429 problem+json with Retry-After.</summary>
public static class RateLimitingExtensions
{
    /// <summary>Adds the limiter from <c>DataTier:RateLimit</c>.</summary>
    public static IServiceCollection AddDataTierRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.AddRateLimiter(static limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = static async (context, _) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await ProblemWriter.WriteAsync(context.HttpContext, 429, ProblemTypes.RateLimited, "Too many requests",
                    $"This API key sent more than its rate allows; retry after {retry} s.");
            };
        });

        // The limiter is built from the validated settings, when the middleware first asks for it.
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>(static (limiter, rateLimit) =>
        {
            var options = rateLimit.Value;
            if (options.RequestsPerSecond == 0)
            {
                return;
            }

            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // One bucket per API key (authentication runs first); health and metrics are never limited.
                if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics"))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                string partition = context.User.FindFirstValue(ClaimTypes.Name) ?? "anonymous";
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.Burst),
                    TokensPerPeriod = Math.Max(1, options.RequestsPerSecond / 10),
                    ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        return services;
    }
}
