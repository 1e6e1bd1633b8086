namespace DataTier.Core.Sql;

/// <summary>The kind of an accepted statement, taken from its main (post-CTE) leading keyword.</summary>
public enum SqlStatementKind
{
    /// <summary><c>SELECT</c>, <c>VALUES</c>, <c>TABLE x</c>, or <c>WITH ... SELECT</c>.</summary>
    Select = 0,

    /// <summary><c>INSERT</c>, or <c>WITH ... INSERT</c>.</summary>
    Insert = 1,

    /// <summary><c>UPDATE</c>, or <c>WITH ... UPDATE</c>.</summary>
    Update = 2,

    /// <summary><c>DELETE</c>, or <c>WITH ... DELETE</c>.</summary>
    Delete = 3,
}
