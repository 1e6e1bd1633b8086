namespace DataTier.Core.Sql.Tree;

/// <summary>One <c>key='value'</c> pair of a sqlcommenter-style comment, both URL-decoded.</summary>
internal readonly record struct SqlCommentHint(string Key, string Value)
{
    /// <summary>The key DataTier routes on: <c>/* shard_key='team-42' */</c>.</summary>
    public const string ShardKey = "shard_key";
}
