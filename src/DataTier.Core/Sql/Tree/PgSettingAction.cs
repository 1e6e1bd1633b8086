namespace DataTier.Core.Sql.Tree;

/// <summary>What a SET, RESET or SHOW statement does (<c>VariableSetStmt.kind</c>, or SHOW).</summary>
internal enum PgSettingAction
{
    /// <summary><c>SET name TO value</c>.</summary>
    Set,

    /// <summary><c>SET name TO DEFAULT</c>: the same as RESET.</summary>
    SetDefault,

    /// <summary><c>SET name FROM CURRENT</c> (only meaningful in a function definition).</summary>
    SetFromCurrent,

    /// <summary><c>SET TRANSACTION ...</c> or <c>SET SESSION CHARACTERISTICS AS TRANSACTION ...</c>.</summary>
    SetTransaction,

    /// <summary><c>RESET name</c>.</summary>
    Reset,

    /// <summary><c>RESET ALL</c>.</summary>
    ResetAll,

    /// <summary><c>SHOW name</c> or <c>SHOW ALL</c> (name <c>all</c>).</summary>
    Show,
}
