using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DataTier.Server.Compression;

/// <summary>Registers and places the response compression of JSON answers (<c>DataTier:Compression</c>).</summary>
public static class CompressionExtensions
{
    /// <summary>JSON answers and problem details; nothing else the server sends is worth compressing.</summary>
    private static readonly string[] MimeTypes = ["application/json", "application/problem+json"];

    /// <summary>Adds br and gzip compression of JSON answers at or above <c>MinBytes</c>.</summary>
    public static IServiceCollection AddDataTierCompression(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<CompressionOptions>().Bind(configuration.GetSection(CompressionOptions.SectionName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CompressionOptions>, CompressionOptionsValidator>());
        // Before AddResponseCompression, whose TryAdd then keeps this provider.
        services.TryAddSingleton<IResponseCompressionProvider, MinimumSizeCompressionProvider>();
        services.AddResponseCompression();
        services.AddOptions<ResponseCompressionOptions>().Configure<IOptions<CompressionOptions>>(static (compression, settings) =>
        {
            var options = settings.Value;
            compression.EnableForHttps = options.EnableForHttps;
            compression.MimeTypes = MimeTypes;
            // br first: with equal q-values the client's preference is broken by this order.
            compression.Providers.Add(new BrotliAnswerCompression(options.BrotliQuality));
            compression.Providers.Add(new GzipAnswerCompression(options.GzipLevel));
        });
        return services;
    }

    /// <summary>
    /// Adds the middleware when compression is enabled. A request without Accept-Encoding passes it with one header
    /// check; disabled, it is not in the pipeline at all.
    /// </summary>
    public static IApplicationBuilder UseDataTierCompression(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<CompressionOptions>>().Value.Enabled)
        {
            app.UseResponseCompression();
        }

        return app;
    }
}
