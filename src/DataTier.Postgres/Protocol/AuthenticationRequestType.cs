namespace DataTier.Postgres.Protocol;

/// <summary>The code of an Authentication 'R' message.</summary>
public enum AuthenticationRequestType
{
    /// <summary>0: authentication succeeded.</summary>
    Ok = 0,

    /// <summary>2: Kerberos V5 (no longer supported by PostgreSQL).</summary>
    KerberosV5 = 2,

    /// <summary>3: send the password in clear text.</summary>
    CleartextPassword = 3,

    /// <summary>5: send the MD5 hash of the password, salted with 4 bytes.</summary>
    Md5Password = 5,

    /// <summary>7: GSSAPI.</summary>
    Gss = 7,

    /// <summary>8: GSSAPI or SSPI continuation data.</summary>
    GssContinue = 8,

    /// <summary>9: SSPI.</summary>
    Sspi = 9,

    /// <summary>10: SASL, with the list of mechanisms.</summary>
    Sasl = 10,

    /// <summary>11: SASL challenge (server-first-message for SCRAM).</summary>
    SaslContinue = 11,

    /// <summary>12: SASL outcome (server-final-message for SCRAM).</summary>
    SaslFinal = 12,
}
