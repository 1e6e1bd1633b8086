namespace DataTier.Core.Advice;

/// <summary>A <c>datatier.advisor_baselines</c> row: a statement's counters on a node when the last run ended.</summary>
internal sealed record StatementBaseline(string NodeId, long QueryId, long Calls, double TotalExecMs);
