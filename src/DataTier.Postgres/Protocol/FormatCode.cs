namespace DataTier.Postgres.Protocol;

/// <summary>The wire format of a parameter or column value.</summary>
public enum FormatCode : short
{
    /// <summary>Text: the type's output function's representation.</summary>
    Text = 0,

    /// <summary>Binary: the type's send/receive representation.</summary>
    Binary = 1,
}
