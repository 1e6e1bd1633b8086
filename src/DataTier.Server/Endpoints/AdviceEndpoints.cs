using DataTier.Core.Advice;
using DataTier.Server.Auth;
using DataTier.Server.Problems;
using Microsoft.Extensions.Options;
using DataTier.Server.OpenApi;

namespace DataTier.Server.Endpoints;

/// <summary>The index advisor: run it now, read its advice.</summary>
public static class AdviceEndpoints
{
    /// <summary>Maps <c>POST /admin/db/optimize</c> and <c>GET /admin/db/index-advice</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var db = app.MapGroup("/admin/db").RequireScope(Scopes.Admin).WithTags("Database").ProducesProblems(OpenApiEndpointExtensions.AdminProblems);
        db.MapPost("/optimize", static async (bool? write, string? validate, IndexAdvisor advisor, AdviceStore store, IOptions<AdvisorOptions> options, CancellationToken ct) =>
        {
            // validate: prove each recommendation on a canary shard (absent: DataTier:Advisor:Validate decides). Parsed
            // here, not bound as bool?, so a bad value is a problem document rather than an empty 400.
            bool validated = validate is null ? options.Value.Validate
                : bool.TryParse(validate, out bool v) ? v
                : throw new ProblemException(400, ProblemTypes.InvalidRequest, "Invalid query string", $"validate must be true or false; it is '{validate}'.");
            var report = await advisor.RunAsync("api", Environment.MachineName + ":" + Environment.ProcessId, validated, ct);
            if (write == true)
            {
                var files = AdviceScriptWriter.Write(report, Path.GetFullPath(options.Value.ScriptDirectory));
                if (files.Count > 0)
                {
                    await store.MarkWrittenAsync(report.RunId, files[0], ct);
                }
            }

            return Results.Text(System.Text.Json.JsonSerializer.Serialize(report, AdviceStore.Json), "application/json");
        }).WithName("RunIndexAdvisor").WithSummary("Run the index advisor now (optionally writing and validating its advice)")
            .Produces<AdviceReport>().ProducesProblems(409);
        db.MapGet("/index-advice", static async (long? run, AdviceStore store, CancellationToken ct) =>
        {
            string? json = await store.ReportJsonAsync(run, ct);
            return json is null
                ? throw new ProblemException(404, ProblemTypes.NotFound, "Not found",
                    run is null ? "The index advisor has not finished a run yet; start one with POST /admin/db/optimize." : $"No finished advisor run {run}.")
                : Results.Text(json, "application/json");
        }).WithName("GetIndexAdvice").WithSummary("The latest (or a given) advisor run's advice and evidence")
            .Produces<AdviceReport>().ProducesProblems(404, 409);
    }
}
