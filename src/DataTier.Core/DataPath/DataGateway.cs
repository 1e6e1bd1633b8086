using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.Diagnostics;
using DataTier.Core.Execution;
using Microsoft.Extensions.Options;

namespace DataTier.Core.DataPath;

/// <summary>
/// The one entry point of the data path for every front end (the HTTP API, the CLI, the PostgreSQL protocol):
/// routing, consistency, the cache, write invalidation and session tokens. A front end turns its request into a
/// <see cref="ReadRequest"/>, <see cref="ScatterReadRequest"/> or <see cref="WriteRequest"/> and encodes what comes back.
/// </summary>
public sealed class DataGateway
{
    private readonly CachedReader _reader;
    private readonly ShardWriter _writer;
    private readonly WriteInvalidator _invalidator;
    private readonly TimeProvider _time;

    /// <summary>Creates the gateway.</summary>
    public DataGateway(CachedReader reader, ShardWriter writer, WriteInvalidator invalidator, TimeProvider time, IOptions<DataApiOptions> options)
    {
        _reader = reader;
        _writer = writer;
        _invalidator = invalidator;
        _time = time;
        Options = options.Value;
    }

    /// <summary>The data API's limits.</summary>
    public DataApiOptions Options { get; }

    /// <summary>Reads one shard; a cache hit decided in memory completes synchronously.</summary>
    public ValueTask<ReadAnswer> ReadAsync(ReadRequest request, CancellationToken cancellationToken) => _reader.ReadAsync(request, cancellationToken);

    /// <summary>Reads every shard and merges the parts.</summary>
    public Task<ScatterAnswer> ScatterAsync(ScatterReadRequest request, CancellationToken cancellationToken) => _reader.ScatterAsync(request, cancellationToken);

    /// <summary>
    /// Runs a write on its shard's primary. The answer exists only once the write's invalidation has completed:
    /// no read through this instance after it can be served an entry older than the write, and every instance with
    /// a fresh feed learns of it within the staleness bound. A keyed write that replays (<see cref="CommittedWrite.Replayed"/>)
    /// answers with the first write's results and a token for the primary's LSN when the answer was read.
    /// </summary>
    public async Task<WriteAnswer> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        // Null unless a tracer listens: the primary's statements and the invalidation are its children.
        using var activity = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.Write);
        CommittedWrite write;
        try
        {
            write = await _writer.WriteAsync(request.ShardKey, request.Statements, request.Isolation, request.MaxRows, request.TimeoutMs, request.Idempotency, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.DataTierException ex)
        {
            DataTierTracing.Fail(activity, ex);
            throw;
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(DataTierTracing.Tags.ShardId, write.ShardId);
        }

        // A replay invalidates again: the instance that applied the write may have died between its commit and its
        // invalidation, and bumping versions once more costs a cache miss, never a stale read.
        // Not cancellable: the write is committed whatever the caller does now, and its invalidation must follow.
        using (var invalidate = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.Invalidate))
        {
            if (invalidate is { IsAllDataRequested: true })
            {
                invalidate.SetTag(DataTierTracing.Tags.ShardId, write.ShardId);
            }

            await _invalidator.InvalidateAsync(write, request.Statements, CancellationToken.None).ConfigureAwait(false);
        }

        var token = (request.Token ?? SessionToken.Empty).With(write.ShardId, write.CommitLsn, _time.GetUtcNow());
        return new WriteAnswer(write, token);
    }
}
