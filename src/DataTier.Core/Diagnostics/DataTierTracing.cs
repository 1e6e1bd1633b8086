using System.Diagnostics;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// DataTier's own spans, on one <see cref="ActivitySource"/> named <see cref="SourceName"/>. Core depends on
/// System.Diagnostics only: the server decides whether anyone listens (OpenTelemetry, when tracing is enabled). With
/// nobody listening <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null, so a request pays
/// a null check per span and nothing else; tags are set only when the span is recorded
/// (<see cref="Activity.IsAllDataRequested"/>). Tags never carry shard keys, parameter values or connection strings:
/// the statement appears only as its normalised fingerprint.
/// </summary>
public static class DataTierTracing
{
    /// <summary>The name of DataTier's activity source (what a tracer provider subscribes to).</summary>
    public const string SourceName = "DataTier";

    /// <summary>Span names, stable once shipped: dashboards and tail samplers select on them.</summary>
    public static class Spans
    {
        /// <summary>A single-shard read: the route (shard) and the cache's outcome.</summary>
        public const string Read = "datatier.read";

        /// <summary>A read of every shard and the merge of the parts.</summary>
        public const string Scatter = "datatier.scatter";

        /// <summary>The cache lookup of a read that could not be answered from memory.</summary>
        public const string CacheLookup = "datatier.cache.lookup";

        /// <summary>One statement on one node of a shard.</summary>
        public const string ShardQuery = "datatier.shard.query";

        /// <summary>The k-way merge of a scatter read's parts.</summary>
        public const string Merge = "datatier.merge";

        /// <summary>A write on a shard's primary and its cache invalidation.</summary>
        public const string Write = "datatier.write";

        /// <summary>The cache invalidation that follows a committed write.</summary>
        public const string Invalidate = "datatier.invalidate";
    }

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary>The shard the ring routed to.</summary>
        public const string ShardId = "datatier.shard.id";

        /// <summary>The node that ran a statement.</summary>
        public const string NodeId = "datatier.node.id";

        /// <summary>primary or replica.</summary>
        public const string NodeRole = "datatier.node.role";

        /// <summary>The LSN the serving node had to have replayed (0: none): why a read went to the primary.</summary>
        public const string RequiredLsn = "datatier.lsn.required";

        /// <summary>hit, miss or bypass.</summary>
        public const string CacheOutcome = "datatier.cache.outcome";

        /// <summary>l1 or l2 for a hit.</summary>
        public const string CacheLayer = "datatier.cache.layer";

        /// <summary>The request's consistency level.</summary>
        public const string Consistency = "datatier.consistency";

        /// <summary>Rows a statement returned.</summary>
        public const string Rows = "datatier.rows";

        /// <summary>Shards a scatter read or a merge covered.</summary>
        public const string Shards = "datatier.shards";

        /// <summary>Tables a write invalidated.</summary>
        public const string Tables = "datatier.tables";

        /// <summary>OpenTelemetry's database system attribute.</summary>
        public const string DbSystem = "db.system.name";

        /// <summary>OpenTelemetry's sanitised query text: DataTier puts the normalised fingerprint here, never values.</summary>
        public const string DbQueryText = "db.query.text";
    }

    /// <summary>Cache outcomes.</summary>
    public static class CacheOutcomes
    {
        /// <summary>Answered from the cache.</summary>
        public const string Hit = "hit";

        /// <summary>Looked up, not found (or too old): the shard answered and the entry was filled.</summary>
        public const string Miss = "miss";

        /// <summary>The cache was not consulted (off, strong, bypass, not cacheable).</summary>
        public const string Bypass = "bypass";
    }

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>Whether any listener (a tracer provider) subscribes to DataTier's spans: one field read.</summary>
    internal static bool Enabled => Source.HasListeners();

    /// <summary>The current span when it is one of DataTier's and recorded; null otherwise (and always when nobody listens).</summary>
    internal static Activity? CurrentRecorded(string name)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var current = Activity.Current;
        return current is { IsAllDataRequested: true } && ReferenceEquals(current.Source, Source) && current.OperationName == name ? current : null;
    }

    /// <summary>Marks a span failed with the error's kind (never its message: it may quote values).</summary>
    internal static void Fail(Activity? activity, Errors.DataTierException ex)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.Code);
            activity.SetTag("error.type", ex.Code);
        }
    }
}
