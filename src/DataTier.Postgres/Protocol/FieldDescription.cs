namespace DataTier.Postgres.Protocol;

/// <summary>One column of a RowDescription.</summary>
/// <param name="Name">The column name.</param>
/// <param name="TableOid">The OID of the table the column comes from, or 0.</param>
/// <param name="ColumnAttributeNumber">The column's attribute number in that table, or 0.</param>
/// <param name="TypeOid">The OID of the column's data type.</param>
/// <param name="TypeSize">pg_type.typlen: the fixed size, or -1 (varlena) / -2 (cstring).</param>
/// <param name="TypeModifier">pg_attribute.atttypmod, e.g. varchar length + 4; -1 when none.</param>
/// <param name="Format">The format the values will be sent in (always Text in a Describe of a statement).</param>
public readonly record struct FieldDescription(
    string Name,
    uint TableOid,
    short ColumnAttributeNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    FormatCode Format);
