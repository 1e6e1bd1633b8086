namespace DataTier.Core.Sql.CrossShard;

/// <summary>A value the merge cannot order, naming its PostgreSQL type for the refusal.</summary>
public interface ICrossShardTypeName
{
    /// <summary>The type as the refusal names it.</summary>
    string TypeName { get; }
}
