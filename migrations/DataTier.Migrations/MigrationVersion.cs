namespace DataTier.Migrations;

/// <summary>One migration: its version number and description.</summary>
public sealed record MigrationVersion(long Version, string Description);
