using System.Collections.Concurrent;
using System.Globalization;
using DataTier.Core.Diagnostics;
using DataTier.Core.Sql.Tree;

namespace DataTier.Postgres.Diagnostics;

/// <summary>
/// The digest's name for a wire statement: DataTier's own fingerprint of its text (the one HTTP statements and
/// pg_stat_statements' entries get), so a shape sent through either front end is one entry; libpg_query's
/// fingerprint for text DataTier's lexer does not take. Cached by text, bounded (cleared when full).
/// </summary>
internal sealed class WireFingerprints
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, (string Fingerprint, ulong Id)> _known = new(StringComparer.Ordinal);

    public (string Fingerprint, ulong Id) Of(PgStatement statement)
    {
        if (_known.TryGetValue(statement.Text, out var known))
        {
            return known;
        }

        known = DatabaseInspector.FingerprintAndIdOf(statement.Text)
            ?? ("pg:" + statement.Fingerprint, ulong.TryParse(statement.Fingerprint, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong id) ? id : (ulong)statement.Fingerprint.GetHashCode());
        if (_known.Count >= Capacity)
        {
            _known.Clear();
        }

        _known[statement.Text] = known;
        return known;
    }
}
