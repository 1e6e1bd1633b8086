using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using DataTier.Core.Errors;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Consistency;

/// <summary>
/// Encodes session tokens as opaque, HMAC-SHA256-signed base64url strings, so a client can carry them but not
/// forge them (a forged LSN could make DataTier serve a read from a replica that misses the client's writes, or
/// force every read onto the primary).
/// </summary>
public sealed class SessionTokenCodec
{
    private const byte FormatVersion = 1;
    private const int MacLength = 16;
    private readonly byte[] _key;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;

    /// <summary>Creates the codec from validated options.</summary>
    public SessionTokenCodec(IOptions<TokenOptions> options, TimeProvider time)
    {
        _key = Convert.FromBase64String(options.Value.SigningKey);
        _maxAge = TimeSpan.FromHours(options.Value.MaxAgeHours);
        _time = time;
    }

    /// <summary>Encodes and signs a token.</summary>
    public string Encode(SessionToken token)
    {
        using var payload = new MemoryStream();
        payload.WriteByte(FormatVersion);
        Span<byte> buf = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buf, token.IssuedAt.ToUnixTimeMilliseconds());
        payload.Write(buf);
        payload.WriteByte(checked((byte)token.ShardLsns.Count));
        foreach (var (shard, lsn) in token.ShardLsns)
        {
            var id = Encoding.UTF8.GetBytes(shard);
            payload.WriteByte(checked((byte)id.Length));
            payload.Write(id);
            BinaryPrimitives.WriteUInt64BigEndian(buf, lsn);
            payload.Write(buf);
        }

        var body = payload.ToArray();
        var mac = HMACSHA256.HashData(_key, body).AsSpan(0, MacLength);
        var all = new byte[body.Length + MacLength];
        body.CopyTo(all, 0);
        mac.CopyTo(all.AsSpan(body.Length));
        return Base64Url.EncodeToString(all);
    }

    /// <summary>Verifies and decodes a token; a forged, corrupt or expired token is refused with a 400-kind error.</summary>
    public SessionToken Decode(string token)
    {
        byte[] all;
        try
        {
            all = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            throw Invalid("The session token is not valid base64url.");
        }

        if (all.Length < 1 + 8 + 1 + MacLength)
        {
            throw Invalid("The session token is too short.");
        }

        var body = all.AsSpan(0, all.Length - MacLength);
        var mac = all.AsSpan(all.Length - MacLength);
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, body, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..MacLength], mac))
        {
            throw Invalid("The session token's signature does not match; tokens come only from DataTier's write answers.");
        }

        if (body[0] != FormatVersion)
        {
            throw Invalid("The session token has an unknown format version.");
        }

        var issued = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(body[1..]));
        if (_time.GetUtcNow() - issued > _maxAge)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "expired-token", $"The session token is older than {_maxAge.TotalHours} hours; read with consistency 'strong' or write again for a new token.");
        }

        int count = body[9];
        int pos = 10;
        var builder = ImmutableSortedDictionary.CreateBuilder<string, ulong>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            int len = body[pos++];
            string shard = Encoding.UTF8.GetString(body.Slice(pos, len));
            pos += len;
            builder[shard] = BinaryPrimitives.ReadUInt64BigEndian(body[pos..]);
            pos += 8;
        }

        return new SessionToken(builder.ToImmutable(), issued);
    }

    private static DataTierException Invalid(string message) => new(DataTierErrorKind.BadRequest, "invalid-token", message);
}
