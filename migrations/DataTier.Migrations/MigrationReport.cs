namespace DataTier.Migrations;

/// <summary>
/// What <see cref="MigrationApplier.Apply"/> did: the migrations it ran (or, for a dry run, would run),
/// in version order. Empty when the database was already up to date.
/// </summary>
public sealed record MigrationReport(MigrationSet Set, bool DryRun, IReadOnlyList<MigrationVersion> Ran)
{
    /// <summary>Whether nothing was (or would be) run.</summary>
    public bool UpToDate => Ran.Count == 0;
}
