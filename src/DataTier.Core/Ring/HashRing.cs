using System.Collections.Immutable;
using DataTier.Core.Hashing;

namespace DataTier.Core.Ring;

/// <summary>
/// An immutable consistent-hash ring of weighted virtual nodes. A key's position is PostgreSQL's own
/// <c>hashtextextended(key, 0)</c> (or the int8/uuid equivalent), so the database can compute it too.
/// </summary>
public sealed class HashRing
{
    /// <summary>Virtual nodes per unit of weight when none is configured: spread falls as 1/sqrt(vnodes).</summary>
    public const int DefaultVirtualNodesPerWeight = 1000;

    private readonly long[] _positions;
    private readonly int[] _owners;

    private HashRing(ImmutableArray<RingMember> members, int virtualNodesPerWeight, long[] positions, int[] owners)
    {
        Members = members;
        VirtualNodesPerWeight = virtualNodesPerWeight;
        _positions = positions;
        _owners = owners;
    }

    /// <summary>The shards on the ring, in the order given when it was built.</summary>
    public ImmutableArray<RingMember> Members { get; }

    /// <summary>Virtual nodes placed per unit of weight.</summary>
    public int VirtualNodesPerWeight { get; }

    /// <summary>
    /// A text that names this ring: equal for rings with the same shards, weights and virtual nodes, whatever the
    /// order they were given in (a shard's points depend only on its id and weight).
    /// </summary>
    public string Fingerprint => FingerprintOf(Members, VirtualNodesPerWeight);

    /// <summary>The <see cref="Fingerprint"/> of the ring these members would make.</summary>
    public static string FingerprintOf(IEnumerable<RingMember> members, int virtualNodesPerWeight) =>
        string.Join(";", members.OrderBy(m => m.ShardId, StringComparer.Ordinal).Select(m => m.ShardId + "=" + m.Weight.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
        + "@" + virtualNodesPerWeight.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Total virtual nodes on the ring.</summary>
    public int VirtualNodeCount => _positions.Length;

    /// <summary>Builds a ring. Shard ids must be unique and weights positive.</summary>
    public static HashRing Create(IEnumerable<RingMember> members, int virtualNodesPerWeight = DefaultVirtualNodesPerWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodesPerWeight, 1);
        var list = members.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("A ring needs at least one shard.", nameof(members));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var points = new List<(long Position, int Owner)>();
        for (int owner = 0; owner < list.Length; owner++)
        {
            var member = list[owner];
            if (!seen.Add(member.ShardId))
            {
                throw new ArgumentException($"Shard id '{member.ShardId}' appears twice.", nameof(members));
            }

            if (!(member.Weight > 0) || double.IsInfinity(member.Weight))
            {
                throw new ArgumentException($"Shard '{member.ShardId}' has weight {member.Weight}; it must be > 0.", nameof(members));
            }

            int count = Math.Max(1, (int)Math.Round(member.Weight * virtualNodesPerWeight));
            for (int i = 0; i < count; i++)
            {
                // Virtual node i of a shard sits at a position that depends only on the shard id and i,
                // so adding or re-weighting one shard never moves another shard's points.
                points.Add((PostgresHash.HashText($"{member.ShardId}#{i}"), owner));
            }
        }

        // Ties (vanishingly rare on 64 bits) are broken by shard id so every process builds the same ring.
        points.Sort((x, y) =>
        {
            int byPosition = x.Position.CompareTo(y.Position);
            return byPosition != 0 ? byPosition : string.CompareOrdinal(list[x.Owner].ShardId, list[y.Owner].ShardId);
        });

        var positions = new long[points.Count];
        var owners = new int[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            positions[i] = points[i].Position;
            owners[i] = points[i].Owner;
        }

        return new HashRing(list, virtualNodesPerWeight, positions, owners);
    }

    /// <summary>The shard that owns a text key.</summary>
    public string GetShard(ReadOnlySpan<char> key) => Members[GetOwnerIndex(PostgresHash.HashText(key))].ShardId;

    /// <summary>The shard that owns a bigint key.</summary>
    public string GetShard(long key) => Members[GetOwnerIndex(PostgresHash.HashInt64(key))].ShardId;

    /// <summary>The shard that owns a uuid key.</summary>
    public string GetShard(Guid key) => Members[GetOwnerIndex(PostgresHash.HashUuid(key))].ShardId;

    /// <summary>The shard that owns a ring position.</summary>
    public string GetShardForPosition(long position) => Members[GetOwnerIndex(position)].ShardId;

    /// <summary>
    /// Index into <see cref="Members"/> of the owner of a position: the first virtual node at or after it,
    /// wrapping past the largest position to the smallest. Allocates nothing.
    /// </summary>
    public int GetOwnerIndex(long position)
    {
        int index = Array.BinarySearch(_positions, position);
        if (index < 0)
        {
            index = ~index;
            if (index == _positions.Length)
            {
                index = 0;
            }
        }

        return _owners[index];
    }

    /// <summary>
    /// The ring as contiguous hash ranges, each (start exclusive, end inclusive] with its owner, covering the
    /// whole 64-bit space. Adjacent virtual nodes of one owner are merged. The range that wraps is split in two
    /// so that every range has start &lt; end in signed order (what a SQL BETWEEN needs).
    /// </summary>
    public IReadOnlyList<HashRange> GetRanges()
    {
        var ranges = new List<HashRange>();
        int n = _positions.Length;
        // Owner of (positions[n-1], +inf] and [-inf, positions[0]] is the owner of positions[0].
        int wrapOwner = _owners[0];
        long start = long.MinValue; // exclusive; long.MinValue itself is handled by the inclusive flag below
        int currentOwner = wrapOwner;
        for (int i = 0; i < n; i++)
        {
            if (_owners[i] != currentOwner)
            {
                ranges.Add(new HashRange(start, _positions[i - 1], Members[currentOwner].ShardId, start == long.MinValue));
                start = _positions[i - 1];
                currentOwner = _owners[i];
            }
        }

        ranges.Add(new HashRange(start, _positions[n - 1], Members[currentOwner].ShardId, start == long.MinValue));
        if (_positions[n - 1] != long.MaxValue)
        {
            ranges.Add(new HashRange(_positions[n - 1], long.MaxValue, Members[wrapOwner].ShardId, false));
        }

        return ranges;
    }
}
