using System.Text;

namespace DataTier.Postgres.Authentication;

/// <summary>Turns a password into the bytes SCRAM hashes, the way PostgreSQL's <c>pg_saslprep</c> does for the cases DataTier has.</summary>
/// <remarks>
/// PostgreSQL passes a pure-ASCII password through unchanged (it skips RFC 4013's checks for ASCII, so even control
/// characters are kept), and that is what DataTier's API keys are. For non-ASCII passwords PostgreSQL NFKC-normalises
/// and maps them when they are valid SASLprep input and falls back to the raw UTF-8 bytes when they are not; this
/// implementation always uses the raw UTF-8 bytes. The two agree whenever the password is already in NFKC form with
/// no mapped characters (non-ASCII spaces, soft hyphens...) and whenever SASLprep would reject it.
/// </remarks>
internal static class SaslPrep
{
    public static byte[] Prepare(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Encoding.UTF8.GetBytes(password);
    }
}
