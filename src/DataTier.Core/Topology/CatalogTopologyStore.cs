using System.Text.Json;
using DataTier.Core.Catalog;
using Dapper;
using Npgsql;

namespace DataTier.Core.Topology;

/// <summary>
/// The versioned topology in the catalog (<c>datatier.topology_versions</c>): every change inserts a new version
/// under a transaction-scoped advisory lock (changes are serialised across instances and never lost to a race) and
/// announces it with <c>NOTIFY datatier_topology</c> in the same transaction, so listeners hear only committed
/// versions.
/// </summary>
public sealed class CatalogTopologyStore(CatalogDatabase catalog)
{
    /// <summary>The channel instances listen on; the payload is the new version.</summary>
    public const string Channel = "datatier_topology";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The newest version, or null when the catalog holds none yet.</summary>
    public async Task<(long Version, TopologyDocument Document)?> LoadLatestAsync(CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await LatestAsync(conn, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest version's number (cheap: for polling).</summary>
    public async Task<long> LatestVersionAsync(CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("select coalesce(max(version), 0) from datatier.topology_versions", conn);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Stores <paramref name="seed"/> as version 1 unless the catalog already has a topology; returns what is in force.</summary>
    public async Task<(long Version, TopologyDocument Document)> SeedAsync(TopologyDocument seed, CancellationToken cancellationToken) =>
        (await ChangeAsync(current => current ?? seed, onlyIfEmpty: true, cancellationToken).ConfigureAwait(false))!.Value;

    /// <summary>Applies a change to the newest version and stores the result as the next version.</summary>
    public async Task<(long Version, TopologyDocument Document)> ChangeAsync(Func<TopologyDocument, TopologyDocument> change, CancellationToken cancellationToken) =>
        (await ChangeAsync(current => change(current ?? throw NoTopology()), onlyIfEmpty: false, cancellationToken).ConfigureAwait(false))!.Value;

    /// <summary>
    /// Compare-and-set: applies a change only if the newest version is still <paramref name="expectedVersion"/>, and
    /// returns null (writing nothing) if another change came first. Several instances that see the same event (a
    /// promoted replica) and propose the same change from the same version write it once.
    /// </summary>
    public Task<(long Version, TopologyDocument Document)?> TryChangeAsync(long expectedVersion, Func<TopologyDocument, TopologyDocument> change, CancellationToken cancellationToken) =>
        ChangeAsync(current => change(current ?? throw NoTopology()), onlyIfEmpty: false, cancellationToken, expectedVersion: expectedVersion);

    /// <summary>
    /// Applies a change and runs <paramref name="alsoInTransaction"/> (given the new version) in the same catalog
    /// transaction: both commit or neither does (a move's switch and its recorded state).
    /// </summary>
    public async Task<(long Version, TopologyDocument Document)> ChangeAsync(Func<TopologyDocument, TopologyDocument> change, Func<NpgsqlConnection, NpgsqlTransaction, long, CancellationToken, Task> alsoInTransaction, CancellationToken cancellationToken) =>
        (await ChangeAsync(current => change(current ?? throw NoTopology()), onlyIfEmpty: false, cancellationToken, alsoInTransaction).ConfigureAwait(false))!.Value;

    private static TopologyChangeException NoTopology() =>
        new("no-topology", "The catalog holds no topology yet; start a DataTier instance to seed it.", conflict: true);

    private async Task<(long Version, TopologyDocument Document)?> ChangeAsync(Func<TopologyDocument?, TopologyDocument> change, bool onlyIfEmpty, CancellationToken cancellationToken, Func<NpgsqlConnection, NpgsqlTransaction, long, CancellationToken, Task>? alsoInTransaction = null, long? expectedVersion = null)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCmd = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('datatier.topology'))", conn, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var latest = await LatestAsync(conn, tx, cancellationToken).ConfigureAwait(false);
        if (onlyIfEmpty && latest is { } existing)
        {
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return existing;
        }

        // Read under the lock, so no other change can commit between this comparison and the insert.
        if (expectedVersion is long expected && (latest?.Version ?? 0) != expected)
        {
            await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        var next = change(latest?.Document);
        long version = (latest?.Version ?? 0) + 1;
        await using (var insert = new NpgsqlCommand(
            "insert into datatier.topology_versions (version, document) values (@v, @d::jsonb); select pg_notify(@c, @v::text)", conn, tx))
        {
            insert.Parameters.AddWithValue("v", version);
            insert.Parameters.AddWithValue("d", JsonSerializer.Serialize(next, Json));
            insert.Parameters.AddWithValue("c", Channel);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (alsoInTransaction is not null)
        {
            await alsoInTransaction(conn, tx, version, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (version, next);
    }

    private static async Task<(long Version, TopologyDocument Document)?> LatestAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<TopologyVersionRow>(new CommandDefinition(
            "select version as Version, document::text as Document from datatier.topology_versions order by version desc limit 1",
            transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var document = JsonSerializer.Deserialize<TopologyDocument>(row.Document, Json)
            ?? throw new InvalidDataException($"Topology version {row.Version} in the catalog is not a topology document.");
        return (row.Version, document);
    }
}
