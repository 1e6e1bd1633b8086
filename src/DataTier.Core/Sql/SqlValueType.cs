namespace DataTier.Core.Sql;

/// <summary>The scalar types a parameter value can be given as in <c>{"value": ..., "type": "..."}</c> (arrays add <c>[]</c>).</summary>
internal enum SqlValueType
{
    Text,
    Boolean,
    Smallint,
    Integer,
    Bigint,
    Numeric,
    Real,
    Double,
    Uuid,
    Timestamptz,
    Timestamp,
    Date,
    Json,
    Jsonb,
    Bytea,
}
