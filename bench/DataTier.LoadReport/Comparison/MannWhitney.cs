namespace DataTier.LoadReport.Comparison;

/// <summary>
/// The exact one-sided Mann-Whitney U test for small samples: the probability, if both samples came from one
/// distribution, of at least as many (a, b) pairs with a greater than b as observed. Computed by enumerating every
/// way to split the pooled values into groups of the two sizes (70 ways for 4 and 4), so no normal approximation.
/// </summary>
internal static class MannWhitney
{
    /// <summary>P-value of "values in <paramref name="a"/> tend to exceed those in <paramref name="b"/>".</summary>
    public static double PGreater(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var pooled = a.Concat(b).ToArray();
        double observed = U(a, b);
        if (Splits(pooled.Length, a.Count) > MaxExactSplits)
        {
            // The fresh-start scenario has one window per second: C(60, 30) splits would never finish.
            return NormalApproximation(observed, a.Count, b.Count);
        }

        int n = a.Count, total = 0, asExtreme = 0;
        foreach (var pick in Combinations(pooled.Length, n))
        {
            var inA = new bool[pooled.Length];
            foreach (int i in pick)
            {
                inA[i] = true;
            }

            var x = pooled.Where((_, i) => inA[i]).ToList();
            var y = pooled.Where((_, i) => !inA[i]).ToList();
            total++;
            if (U(x, y) >= observed - 1e-9)
            {
                asExtreme++;
            }
        }

        return (double)asExtreme / total;
    }

    private const double MaxExactSplits = 200_000;

    private static double Splits(int n, int k)
    {
        double splits = 1;
        for (int i = 1; i <= k; i++)
        {
            splits = splits * (n - k + i) / i;
        }

        return splits;
    }

    // Large samples: U is close to normal with mean nm/2 and variance nm(n+m+1)/12 (continuity-corrected).
    private static double NormalApproximation(double u, int n, int m)
    {
        double mean = n * (double)m / 2;
        double sd = Math.Sqrt(n * (double)m * (n + m + 1) / 12.0);
        double z = (u - mean - 0.5) / sd;
        return 0.5 * Erfc(z / Math.Sqrt(2));
    }

    // Abramowitz and Stegun 7.1.26 (error below 1.5e-7): enough for a p-value compared with 0.05.
    private static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        double t = 1 / (1 + (0.3275911 * x));
        double poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
        return poly * Math.Exp(-x * x);
    }

    // Pairs with x above y; ties count half.
    private static double U(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        x.Sum(xi => y.Sum(yj => xi > yj ? 1.0 : xi.Equals(yj) ? 0.5 : 0.0));

    private static IEnumerable<int[]> Combinations(int n, int k)
    {
        var pick = Enumerable.Range(0, k).ToArray();
        while (true)
        {
            yield return (int[])pick.Clone();
            int i = k - 1;
            while (i >= 0 && pick[i] == n - k + i)
            {
                i--;
            }

            if (i < 0)
            {
                yield break;
            }

            pick[i]++;
            for (int j = i + 1; j < k; j++)
            {
                pick[j] = pick[j - 1] + 1;
            }
        }
    }
}
