namespace DataTier.Postgres.Copy;

/// <summary>What a COPY row says about its shard key.</summary>
internal enum CopyKey : byte
{
    /// <summary>The key field is there and not NULL.</summary>
    Value,

    /// <summary>The key field is the NULL marker.</summary>
    Null,

    /// <summary>The row has fewer fields than the key's position: the shard it is sent to reports the error.</summary>
    Missing,
}
