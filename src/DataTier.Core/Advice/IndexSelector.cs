namespace DataTier.Core.Advice;

/// <summary>
/// Chooses indexes for a whole workload, greedily: each round takes the candidate whose benefit (calls x planner cost
/// saved, over every statement it helps by at least the required share) minus its write penalty is largest and still
/// positive, within the storage budget; statements it serves then count at their new cost, so a second index that
/// only repeats what a chosen one does gains nothing. Interactions between indexes are approximated by the best single
/// index per statement, which is how the planner mostly uses them (one access path per table scan).
/// </summary>
public static class IndexSelector
{
    /// <summary>Scores this close (a share of the larger), one of them a partial index's, count as equal, and the smaller index is taken.</summary>
    public const double TieTolerance = 0.02;

    /// <summary>A statement to serve: its weight and its cost now and with each candidate (by key).</summary>
    public sealed record CostedStatement(string Id, long Calls, double BaseCost, IReadOnlyDictionary<string, double> CostWith);

    /// <summary>A candidate with its size and write penalty.</summary>
    public sealed record CostedCandidate(CandidateIndex Index, long Bytes, double WritePenalty);

    /// <summary>What was chosen and why.</summary>
    public sealed record Choice(CostedCandidate Candidate, double Benefit, IReadOnlyList<string> StatementsServed);

    /// <summary>Runs the selection.</summary>
    public static IReadOnlyList<Choice> Select(IReadOnlyList<CostedStatement> statements, IReadOnlyList<CostedCandidate> candidates, double minReduction, long budgetBytes)
    {
        var current = statements.ToDictionary(s => s.Id, s => s.BaseCost, StringComparer.Ordinal);
        var remaining = candidates.ToList();
        var chosen = new List<Choice>();
        long used = 0;
        while (remaining.Count > 0)
        {
            CostedCandidate? best = null;
            double bestScore = 0;
            List<string> bestServed = [];
            foreach (var candidate in remaining)
            {
                double benefit = 0;
                var served = new List<string>();
                foreach (var s in statements)
                {
                    if (s.CostWith.TryGetValue(candidate.Index.Key, out double with) && with <= (1 - minReduction) * s.BaseCost && with < current[s.Id] - TieTolerance * (s.BaseCost - current[s.Id]))
                    {
                        benefit += s.Calls * (current[s.Id] - with);
                        served.Add(s.Id);
                    }
                }

                double score = benefit - candidate.WritePenalty;
                // Ties go to the smaller index: same gain, less to store and maintain. Scores within TieTolerance of each
                // other are ties: a partial index on a quarter of the rows (team_id, created_at) WHERE status = 'open' is
                // costed a few units above (status, team_id, created_at) out of thousands saved, which is planner noise,
                // not a reason to build and maintain an index four times its size.
                // Only a partial index gets the tolerance; between full indexes the cost decides as before.
                bool tie = best is not null && (score == bestScore || ((candidate.Index.Predicate is not null || best.Index.Predicate is not null)
                    && Math.Abs(score - bestScore) <= TieTolerance * Math.Max(score, bestScore)));
                if (served.Count > 0 && score > 0 && (best is null || (tie ? candidate.Bytes < best.Bytes : score > bestScore)))
                {
                    best = candidate;
                    bestScore = score;
                    bestServed = served;
                }
            }

            if (best is null)
            {
                break;
            }

            remaining.Remove(best);
            if (used + best.Bytes > budgetBytes)
            {
                continue;
            }

            used += best.Bytes;
            foreach (string id in bestServed)
            {
                current[id] = statements.First(s => s.Id == id).CostWith[best.Index.Key];
            }

            chosen.Add(new Choice(best, bestScore, bestServed));
        }

        return chosen;
    }
}
