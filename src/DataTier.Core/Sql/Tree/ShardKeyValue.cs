namespace DataTier.Core.Sql.Tree;

/// <summary>One value a statement restricts (or sets) a shard key to.</summary>
/// <param name="Kind">Constant, parameter, array parameter, null or unknown.</param>
/// <param name="Text">
/// For <see cref="ShardKeyValueKind.Constant"/>: a string literal's value (escapes resolved), an integer in decimal, a numeric
/// literal as written (<c>2.50</c>, <c>1e5</c>), <c>true</c>/<c>false</c>; a cast around it is ignored, so <c>'042'::int</c>
/// stays <c>042</c>. Null for the other kinds.
/// </param>
/// <param name="ParameterNumber">n of <c>$n</c> (1-based) for the parameter kinds, else 0.</param>
internal readonly record struct ShardKeyValue(ShardKeyValueKind Kind, string? Text, int ParameterNumber)
{
    public static ShardKeyValue Null => new(ShardKeyValueKind.Null, null, 0);

    public static ShardKeyValue Unknown => new(ShardKeyValueKind.Unknown, null, 0);

    public static ShardKeyValue Constant(string text) => new(ShardKeyValueKind.Constant, text, 0);

    public static ShardKeyValue Parameter(int number) => new(ShardKeyValueKind.Parameter, null, number);

    public static ShardKeyValue ArrayParameter(int number) => new(ShardKeyValueKind.ArrayParameter, null, number);

    public override string ToString() => Kind switch
    {
        ShardKeyValueKind.Constant => $"'{Text}'",
        ShardKeyValueKind.Parameter => $"${ParameterNumber}",
        ShardKeyValueKind.ArrayParameter => $"any(${ParameterNumber})",
        ShardKeyValueKind.Null => "null",
        _ => "unknown",
    };
}
