namespace DataTier.Core.Sql.Tree;

/// <summary>What a SET, RESET or SHOW statement names.</summary>
/// <param name="Action">Which form it is.</param>
/// <param name="Name">
/// The setting, as PostgreSQL names it (<c>SET TIME ZONE</c> is <c>timezone</c>, <c>SET NAMES</c> is <c>client_encoding</c>);
/// <c>TRANSACTION</c> or <c>SESSION CHARACTERISTICS</c> for <see cref="PgSettingAction.SetTransaction"/>; null for RESET ALL.
/// </param>
/// <param name="Value">
/// The value items joined with <c>", "</c> (<c>SET search_path = a, b</c> gives <c>a, b</c>), strings unquoted; for SET
/// TRANSACTION the items are <c>transaction_isolation=serializable</c> and the like. Null when there is no value.
/// </param>
/// <param name="IsLocal">SET LOCAL: until the end of the transaction; otherwise the session (SET or SET SESSION).</param>
internal sealed record PgSettingStatement(PgSettingAction Action, string? Name, string? Value = null, bool IsLocal = false);
