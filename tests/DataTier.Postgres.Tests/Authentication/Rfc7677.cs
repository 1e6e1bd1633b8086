namespace DataTier.Postgres.Tests.Authentication;

/// <summary>The SCRAM-SHA-256 example exchange of RFC 7677 section 3.</summary>
internal static class Rfc7677
{
    public const string Password = "pencil";
    public const string ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    public const string ServerNonceSuffix = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    public const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    public const int Iterations = 4096;

    public const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    public const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    public const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    public const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    public const string CombinedNonce = ClientNonce + ServerNonceSuffix;
}
