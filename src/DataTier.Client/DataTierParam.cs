namespace DataTier.Client;

/// <summary>Helpers for parameters whose PostgreSQL type JSON cannot express.</summary>
public static class DataTierParam
{
    /// <summary>A uuid.</summary>
    public static TypedParameter Uuid(Guid value) => new(value, "uuid");

    /// <summary>A timestamptz.</summary>
    public static TypedParameter Timestamptz(DateTimeOffset value) => new(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture), "timestamptz");

    /// <summary>A jsonb document (any serialisable value).</summary>
    public static TypedParameter Jsonb(object? value) => new(value, "jsonb");

    /// <summary>An exact numeric.</summary>
    public static TypedParameter Numeric(decimal value) => new(value, "numeric");

    /// <summary>Any other type by name (<c>date</c>, <c>bytea</c>, <c>uuid[]</c>...).</summary>
    public static TypedParameter Typed(object? value, string type) => new(value, type);
}
