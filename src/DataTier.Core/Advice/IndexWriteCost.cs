using System.Globalization;

namespace DataTier.Core.Advice;

/// <summary>
/// What an index costs the writes to its table. Every row inserted (or updated outside HOT) adds an entry to every
/// b-tree on the table, and the insert descends the tree from the root: one page to read, lock and maybe split per
/// level. So the cost of a written row grows with the index's height, and the height with its size: a b-tree inner
/// page holds a few hundred downlinks (<see cref="Fanout"/>), so an index of up to 256 leaf pages (2 MiB) has two levels,
/// up to 512 MiB three, beyond that four. The penalty charged over the advisor's window is the rows written in it times
/// <see cref="AdvisorOptions.WriteCostPerRow"/> per level.
/// </summary>
public static class IndexWriteCost
{
    /// <summary>Downlinks per inner page assumed for the height estimate (8 kB pages, keys of a few dozen bytes).</summary>
    public const int Fanout = 256;

    private const long PageBytes = 8192;

    /// <summary>The b-tree levels an insert descends for an index of <paramref name="bytes"/> (at least 2: a root above the leaves).</summary>
    public static int Levels(long bytes)
    {
        long pages = Math.Max(1, (bytes + PageBytes - 1) / PageBytes);
        int levels = 1;
        while (pages > 1)
        {
            pages = (pages + Fanout - 1) / Fanout;
            levels++;
        }

        return Math.Max(2, levels);
    }

    /// <summary>Cost units one written row costs an index of <paramref name="bytes"/>.</summary>
    public static double PerRow(double writeCostPerLevel, long bytes) => writeCostPerLevel * Levels(bytes);

    /// <summary>The penalty over the window: rows written times the cost per row.</summary>
    public static double Penalty(long rowsWritten, double writeCostPerLevel, long bytes) => rowsWritten * PerRow(writeCostPerLevel, bytes);

    /// <summary>
    /// The sentence a DBA reads: the table's write rate since the last run and what each written row costs this index,
    /// with the size it was judged on (hypopg's estimate, or what the canary build measured).
    /// </summary>
    public static string Describe(string table, double? rowsPerSecond, double windowSeconds, long bytes, bool measuredSize, double penalty, double writeCostPerLevel)
    {
        string size = string.Create(CultureInfo.InvariantCulture, $"{Levels(bytes)} b-tree levels at {bytes / 1048576.0:0.##} MiB ({(measuredSize ? "measured on the canary" : "hypopg's estimate")})");
        if (rowsPerSecond is not { } rate)
        {
            return $"writes to {table} not measured yet (no earlier advisor run to count from): no write penalty charged; each written row will add an entry to this index ({size})";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{table}: {rate:0.###} rows/s written over the last {Window(windowSeconds)}; each adds an entry to this index ({size}), {PerRow(writeCostPerLevel, bytes):0.#} cost units a row: write penalty {penalty:0.#}");
    }

    private static string Window(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
    };
}
