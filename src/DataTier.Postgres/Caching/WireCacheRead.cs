using System.Buffers;
using DataTier.Core.Caching;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Caching;

/// <summary>
/// One cacheable read on the wire, from lookup to fill: what identifies its answer, the shard and profile, the key
/// and the LSN its rows must reach, and, on a miss, the answer's messages captured as they are relayed.
/// </summary>
internal sealed class WireCacheRead
{
    /// <summary>The scope of wire entries in Core's cache: they never meet the HTTP API's JSON entries.</summary>
    public const string Scope = "dt-wire-v1";

    private ArrayBufferWriter<byte>? _body;
    private byte[]? _rowDescription;

    public WireCacheRead(ShardDefinition shard, PgStatement statement, string profileKey, byte[] request, BindMessage? bind, ReadOnlyMemory<uint> parameterTypes, bool describes)
    {
        Shard = shard;
        Statement = statement;
        ProfileKey = profileKey;
        Request = request;
        Bind = bind;
        ParameterTypes = parameterTypes;
        Describes = describes;
    }

    public ShardDefinition Shard { get; }

    public PgStatement Statement { get; }

    /// <summary>Statement text and parameter types: what a profile is kept under.</summary>
    public string ProfileKey { get; }

    /// <summary>Every byte that decides the answer: protocol, statement text, parameter types, the Bind's formats and values.</summary>
    public byte[] Request { get; }

    /// <summary>The Bind of an extended-protocol read (null for a simple Query): the EXPLAIN runs with its values.</summary>
    public BindMessage? Bind { get; }

    public ReadOnlyMemory<uint> ParameterTypes { get; }

    /// <summary>The batch describes its portal: the answer needs the RowDescription.</summary>
    public bool Describes { get; }

    public StatementProfile? Profile { get; set; }

    public EncodedCacheKey Key { get; set; }

    /// <summary>What the rows must include: the session's own writes to the shard.</summary>
    public ulong RequiredLsn { get; set; }

    /// <summary>A lower bound of what the rows include, known before they were read.</summary>
    public ulong ReadLsn { get; set; }

    public long StartedAt { get; set; }

    public int RowCount { get; private set; }

    /// <summary>Set when what was relayed cannot be cached (an error, a notice, a suspended portal, too many bytes).</summary>
    public bool Abandoned { get; private set; }

    public bool Complete { get; private set; }

    public void Abandon()
    {
        Abandoned = true;
        _body = null;
    }

    public void CaptureRowDescription(in BackendMessage message)
    {
        if (!Abandoned)
        {
            _rowDescription = message.Encoded.ToArray();
        }
    }

    /// <summary>A message of the Execute (or the Query); CommandComplete completes the answer.</summary>
    public void CaptureResult(in BackendMessage message, int maxBytes)
    {
        if (Abandoned)
        {
            return;
        }

        if (Complete || (_body?.WrittenCount ?? 0) + message.Encoded.Length > maxBytes)
        {
            Abandon();
            return;
        }

        var body = _body ??= new ArrayBufferWriter<byte>(256);
        var span = body.GetSpan((int)message.Encoded.Length);
        message.Encoded.CopyTo(span);
        body.Advance((int)message.Encoded.Length);
        switch (message.Type)
        {
            case BackendMessageType.DataRow:
                RowCount++;
                break;
            case BackendMessageType.CommandComplete:
                Complete = true;
                break;
            case BackendMessageType.RowDescription or BackendMessageType.NoData:
                break;
            default:
                Abandon();
                break;
        }
    }

    /// <summary>The captured answer, or null when it cannot be cached.</summary>
    public byte[]? Encoded() =>
        Abandoned || !Complete || _body is null || (Describes && _rowDescription is null)
            ? null
            : WireCachedAnswer.Encode(_rowDescription, _body.WrittenSpan);
}
