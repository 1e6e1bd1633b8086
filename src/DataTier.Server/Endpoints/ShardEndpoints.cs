using System.Text.Json;
using DataTier.Core.Catalog;
using DataTier.Core.Ownership;
using DataTier.Core.Rebalancing;
using DataTier.Core.Rebalancing.Moves;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.OpenApi;
using DataTier.Server.Problems;
using Dapper;
using Npgsql;

namespace DataTier.Server.Endpoints;

/// <summary>
/// Topology changes (<c>/admin/shards</c>) and rebalancing plans (<c>/admin/rebalance/plan</c>). Changes edit the
/// desired topology in the catalog; no row moves and routing does not change until a plan is executed.
/// </summary>
public static class ShardEndpoints
{
    private const string ProblemBase = ProblemTypes.Base;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var shards = app.MapGroup("/admin/shards").RequireScope(Scopes.Admin).WithTags("Shards").ProducesProblems(OpenApiEndpointExtensions.AdminProblems).ProducesProblems(404, 409);
        shards.MapPost("/", AddAsync).WithName("AddShard").WithSummary("Add a shard (routes nothing until a rebalancing move fills it)")
            .WithMetadata(new JsonRequestBody(typeof(ShardAddRequest))).Produces<TopologyChangeResult>(StatusCodes.Status201Created);
        shards.MapPut("/{id}/weight", static async (string id, HttpContext http, IServiceProvider services) =>
        {
            var request = await ReadAsync<ShardWeightRequest>(http, "{\"weight\": 2}");
            double weight = request.Weight ?? throw ProblemException.InvalidRequest("'weight' is required.");
            return await ChangeAsync(services, doc => TopologyChanges.SetWeight(doc, id, weight), http.RequestAborted);
        }).WithName("SetShardWeight").WithSummary("Set the share of the ring a shard should have").WithMetadata(new JsonRequestBody(typeof(ShardWeightRequest))).Produces<TopologyChangeResult>();
        shards.MapPost("/{id}/drain", static (string id, HttpContext http, IServiceProvider services) =>
            ChangeAsync(services, doc => TopologyChanges.Drain(doc, id), http.RequestAborted))
            .WithName("DrainShard").WithSummary("Plan a shard's rows away (desired weight 0)").Produces<TopologyChangeResult>();
        shards.MapDelete("/{id}", static (string id, HttpContext http, IServiceProvider services) =>
            ChangeAsync(services, doc => TopologyChanges.Remove(doc, id), http.RequestAborted))
            .WithName("RemoveShard").WithSummary("Remove a drained, empty shard").Produces<TopologyChangeResult>();
        shards.MapPost("/{id}/switchover", SwitchoverAsync).WithName("SwitchoverShard").WithSummary("Promote a replica to primary, with writes held briefly")
            .WithMetadata(new JsonRequestBody(typeof(SwitchoverRequest))).Produces<Core.Switchover.SwitchoverResult>();
        shards.MapGet("/verify", static (HttpContext http, IServiceProvider services) => VerifyAsync(services, repair: false, http.RequestAborted))
            .WithName("VerifyOwnership").WithSummary("Count rows each shard holds that the ring places elsewhere").Produces<OwnershipReport>().ProducesProblems(503);
        shards.MapPost("/verify/repair", static (HttpContext http, IServiceProvider services) => VerifyAsync(services, repair: true, http.RequestAborted))
            .WithName("RepairOwnership").WithSummary("Move misplaced rows to their owners, then count again").Produces<OwnershipReport>().ProducesProblems(503);

        var rebalance = app.MapGroup("/admin/rebalance").RequireScope(Scopes.Admin).WithTags("Rebalancing").ProducesProblems(OpenApiEndpointExtensions.AdminProblems).ProducesProblems(404, 409);
        rebalance.MapGet("/proposals", static async (HttpContext http, RebalanceCheck check) =>
            TypedResults.Ok(await check.ListAsync(50, http.RequestAborted)))
            .WithName("ListRebalanceProposals").WithSummary("The latest rebalancing proposals");
        rebalance.MapPost("/check", static (HttpContext http, RebalanceCheck check) =>
            Refusing(async () => TypedResults.Ok(await check.RunAsync("api", http.RequestAborted))))
            .WithName("CheckBalance").WithSummary("Measure each shard's load now and propose new weights when they are out of balance").Produces<RebalanceCheck.Outcome>();
        rebalance.MapPost("/plans/{id:long}/approve", static (long id, HttpContext http, RebalanceCheck check) => Refusing(async () =>
        {
            var request = http.Request.ContentLength is 0 or null && !http.Request.Headers.TransferEncoding.Any()
                ? new ApproveRequest()
                : await ReadAsync<ApproveRequest>(http, "{\"run\": true}");
            return TypedResults.Ok(await check.ApproveAsync(id, request.Run ?? false, http.RequestAborted));
        })).WithName("ApproveRebalanceProposal").WithSummary("Approve a proposal's weights (and optionally start the move)")
            .WithMetadata(new JsonRequestBody(typeof(ApproveRequest))).Produces<RebalanceProposal>();
        rebalance.MapPost("/", static (HttpContext http, RebalanceMoves moves) => Refusing(async () =>
        {
            var request = http.Request.ContentLength is 0 or null && !http.Request.Headers.TransferEncoding.Any()
                ? new RebalanceStartRequest()
                : await ReadAsync<RebalanceStartRequest>(http, "{\"maxWritePauseMs\": 500}");
            var status = await moves.StartAsync(request.MaxWritePauseMs, http.RequestAborted);
            return TypedResults.Accepted($"/admin/rebalance/{status.Id}", status);
        })).WithName("StartRebalance").WithSummary("Start the move that carries the desired ring out, online")
            .WithMetadata(new JsonRequestBody(typeof(RebalanceStartRequest))).Produces<MoveStatus>(StatusCodes.Status202Accepted);
        rebalance.MapGet("/", static async (HttpContext http, RebalanceMoves moves) =>
            TypedResults.Ok(new { moves = await moves.ListAsync(50, http.RequestAborted) }))
            .WithName("ListRebalanceMoves").WithSummary("The latest rebalancing moves");
        rebalance.MapGet("/{id:long}", static async (long id, bool? ranges, HttpContext http, RebalanceMoves moves) =>
            await moves.GetAsync(id, ranges ?? false, http.RequestAborted) is { } status
                ? TypedResults.Ok(status)
                : throw new ProblemException(StatusCodes.Status404NotFound, ProblemBase + "unknown-move", "Unknown move", $"There is no move {id}."))
            .WithName("GetRebalanceMove").WithSummary("One move's phase and progress (with its ranges when ranges=true)");
        rebalance.MapPost("/{id:long}/cancel", static (long id, HttpContext http, RebalanceMoves moves) =>
            Refusing(async () => TypedResults.Accepted($"/admin/rebalance/{id}", await moves.CancelAsync(id, http.RequestAborted))))
            .WithName("CancelRebalanceMove").WithSummary("Cancel a move that has not switched the routing yet").Produces<MoveStatus>(StatusCodes.Status202Accepted);
        rebalance.MapGet("/plan", static async (HttpContext http, IServiceProvider services) =>
        {
            var planner = services.GetRequiredService<RebalancePlanner>();
            try
            {
                return TypedResults.Ok(await planner.PlanAsync(http.RequestAborted));
            }
            catch (NpgsqlException ex)
            {
                throw new ProblemException(StatusCodes.Status503ServiceUnavailable, ProblemBase + "shard-unavailable", "A shard could not be counted",
                    $"Counting rows for the plan failed: {ex.Message}");
            }
        }).WithName("GetRebalancePlan").WithSummary("The hash ranges that would move, and the rows in them, to reach the desired ring").ProducesProblems(503);
    }

    // A planned switchover; every refusal is a 409 with the refusal's stable type (nothing was changed).
    private static async Task<IResult> SwitchoverAsync(string id, HttpContext http, IServiceProvider services)
    {
        var request = http.Request.ContentLength is 0 or null && !http.Request.Headers.TransferEncoding.Any()
            ? new SwitchoverRequest()
            : await ReadAsync<SwitchoverRequest>(http, "{\"to\": \"s1-replica1\"}");
        if (services.GetService<Core.Switchover.ShardSwitchover>() is not { } switchover)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "topology-not-in-catalog", "Topology is fixed",
                "A switchover records the new primary in the catalog's topology; set DataTier:Topology:Store to Catalog (with a catalog database).");
        }

        try
        {
            return TypedResults.Ok(await switchover.RunAsync(id, request.To, http.RequestAborted));
        }
        catch (TopologyChangeException ex)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + ex.Code, "Switchover refused", ex.Message);
        }
    }

    // Rows each shard holds that the routing ring places elsewhere; with repair, moved to their owners first.
    private static Task<IResult> VerifyAsync(IServiceProvider services, bool repair, CancellationToken cancellationToken)
    {
        if (services.GetService<OwnershipVerifier>() is not { } verifier)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "topology-not-in-catalog", "Topology is fixed",
                "Ownership is verified against the catalog's topology and its list of sharded tables; set DataTier:Topology:Store to Catalog.");
        }

        return Refusing(async () =>
        {
            try
            {
                return TypedResults.Ok(await verifier.VerifyAsync(repair, cancellationToken));
            }
            catch (NpgsqlException ex)
            {
                throw new ProblemException(StatusCodes.Status503ServiceUnavailable, ProblemBase + "shard-unavailable", "A shard could not be checked",
                    $"Checking where rows belong failed: {ex.Message}");
            }
        });
    }

    // Topology refusals (no catalog topology, unknown or closed proposal) as problems with their stable codes.
    private static async Task<IResult> Refusing(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (TopologyChangeException ex)
        {
            throw new ProblemException(ex.Code is "unknown-proposal" or "unknown-move" ? StatusCodes.Status404NotFound : ex.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
                ProblemBase + ex.Code, "Rebalancing refused", ex.Message);
        }
    }

    private static async Task<IResult> AddAsync(HttpContext http, IServiceProvider services)
    {
        var request = await ReadAsync<ShardAddRequest>(http, "{\"id\": \"s3\", \"weight\": 1, \"primary\": \"Host=...\", \"replicas\": [\"Host=...\"]}");
        if (string.IsNullOrWhiteSpace(request.Primary))
        {
            throw ProblemException.InvalidRequest("'primary' (the shard primary's connection string) is required.");
        }

        await CheckTargetAsync(services, request.Primary, http.RequestAborted);
        return await ChangeAsync(services, doc => TopologyChanges.AddShard(doc, request.Id ?? "", request.Weight ?? 1, request.Primary, request.Replicas ?? []), http.RequestAborted, created: true);
    }

    // A shard that will receive rows must be a writable primary that already has every sharded table.
    private static async Task CheckTargetAsync(IServiceProvider services, string primary, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(primary) { Timeout = 5, CommandTimeout = 10, Pooling = false };
        }
        catch (ArgumentException ex)
        {
            throw ProblemException.InvalidRequest($"'primary' is not a valid connection string: {ex.Message}");
        }

        var catalog = services.GetRequiredService<CatalogDatabase>();
        string[] tables;
        await using (var conn = await catalog.OpenAsync(cancellationToken))
        {
            tables = [.. await conn.QueryAsync<string>(new CommandDefinition("select table_name from datatier.sharded_tables order by 1", cancellationToken: cancellationToken))];
        }

        try
        {
            await using var target = new NpgsqlConnection(builder.ConnectionString);
            await target.OpenAsync(cancellationToken);
            var state = await target.QuerySingleAsync<NewShardState>(new CommandDefinition(
                "select pg_is_in_recovery() as InRecovery, array(select t from unnest(@t::text[]) t where to_regclass(quote_ident(t)) is null) as MissingTables",
                new { t = tables }, cancellationToken: cancellationToken));
            if (state.InRecovery)
            {
                throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "shard-not-primary", "Not a primary", "'primary' points at a server in recovery (a standby); give the shard's writable primary.");
            }

            var missing = state.MissingTables;
            if (missing.Length > 0)
            {
                throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "shard-schema-missing", "Shard schema missing",
                    $"The new shard lacks the sharded table(s) {string.Join(", ", missing)}; apply the shard migrations first (datatier migrate shards).");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "shard-unreachable", "Shard unreachable", $"Could not reach the new shard's primary: {ex.Message}");
        }
    }

    private static async Task<IResult> ChangeAsync(IServiceProvider services, Func<TopologyDocument, TopologyDocument> change, CancellationToken cancellationToken, bool created = false)
    {
        if (services.GetService<CatalogTopologyProvider>() is not { } provider)
        {
            throw new ProblemException(StatusCodes.Status409Conflict, ProblemBase + "topology-not-in-catalog", "Topology is fixed",
                "This instance routes by the configured topology; set DataTier:Topology:Store to Catalog (with a catalog database) to change shards online.");
        }

        var store = services.GetRequiredService<CatalogTopologyStore>();
        try
        {
            var (version, document) = await store.ChangeAsync(change, cancellationToken);
            await provider.RefreshAsync(cancellationToken);
            var view = new TopologyChangeResult(version, document.Shards.Select(s => new ShardEntryView(s.Id, s.State, s.Weight, s.DesiredWeight)).ToList());
            return created ? TypedResults.Created("/admin/topology", view) : TypedResults.Ok(view);
        }
        catch (TopologyChangeException ex)
        {
            throw new ProblemException(ex.Code == "unknown-shard" ? StatusCodes.Status404NotFound : ex.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest,
                ProblemBase + ex.Code, "Topology change refused", ex.Message);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext http, string example)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonSerializerOptions.Web, http.RequestAborted)
                ?? throw new ProblemException(StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Invalid JSON", $"Send a JSON object such as {example}.");
        }
        catch (JsonException)
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Invalid JSON", $"Send a JSON object such as {example}.");
        }
    }
}
