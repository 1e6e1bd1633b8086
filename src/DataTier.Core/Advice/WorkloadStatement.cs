namespace DataTier.Core.Advice;

/// <summary>One statement's workload on one shard since the advisor's last run (pg_stat_statements deltas, summed over the shard's nodes).</summary>
public sealed record WorkloadStatement(string Shard, string Fingerprint, string Sql, long Calls, double TotalExecMs, IReadOnlyList<long> QueryIds);
