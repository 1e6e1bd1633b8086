namespace DataTier.Core.Catalog;

/// <summary>The catalog database (<c>DataTier:Catalog</c>): job state, advice, topology history.</summary>
public sealed class CatalogOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Catalog";

    /// <summary>Npgsql connection string of the catalog; empty when DataTier runs without one (no jobs, no advice).</summary>
    public string? ConnectionString { get; set; }
}
