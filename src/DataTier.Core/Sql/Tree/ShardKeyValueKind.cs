namespace DataTier.Core.Sql.Tree;

/// <summary>What a statement compares or assigns a shard key column to.</summary>
internal enum ShardKeyValueKind
{
    /// <summary>A string, integer or numeric literal; <see cref="ShardKeyValue.Text"/> is its text, which the ring hashes.</summary>
    Constant,

    /// <summary>A parameter reference <c>$n</c>; <see cref="ShardKeyValue.ParameterNumber"/> is n, its bound value is the key.</summary>
    Parameter,

    /// <summary><c>key = ANY($n)</c>: parameter n is an array, each element a key.</summary>
    ArrayParameter,

    /// <summary>NULL: <c>key = NULL</c> or <c>key IS NULL</c>, or an inserted NULL; no shard owns it.</summary>
    Null,

    /// <summary>
    /// Cannot be known from the text: <c>DEFAULT</c>, an expression, <c>INSERT ... SELECT</c>, an INSERT without a column
    /// list or without the key column. The caller should refuse the statement.
    /// </summary>
    Unknown,
}
