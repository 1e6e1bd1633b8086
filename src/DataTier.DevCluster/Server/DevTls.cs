using System.Security.Cryptography.X509Certificates;
using DataTier.Postgres.Hosting;

namespace DataTier.DevCluster.Server;

/// <summary>
/// The dev server's TLS certificate for the wire front end: self-signed for 127.0.0.1 and localhost, in
/// <c>&lt;baseDir&gt;/tls/</c>, made on the first start and again when it is within 30 days of expiring, so that
/// <c>sslmode=require</c> works out of the box (and <c>sslmode=verify-full sslrootcert=&lt;baseDir&gt;/tls/wire.crt</c>).
/// </summary>
internal static class DevTls
{
    public const string DirName = "tls";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static string CertificatePath(string baseDir) => Path.Combine(baseDir, DirName, "wire.crt");

    public static string KeyPath(string baseDir) => Path.Combine(baseDir, DirName, "wire.key");

    /// <summary>Makes the certificate and key unless a valid pair is there already.</summary>
    public static void Ensure(string baseDir)
    {
        string certificatePath = CertificatePath(baseDir);
        string keyPath = KeyPath(baseDir);
        var now = DateTimeOffset.UtcNow;
        if (File.Exists(keyPath) && File.Exists(certificatePath))
        {
            using var existing = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
            if (existing.NotAfter.ToUniversalTime() - now.UtcDateTime > RenewBefore)
            {
                return;
            }
        }

        Directory.CreateDirectory(Path.Combine(baseDir, DirName));
        // Valid from a minute ago: clocks of the client and the server may differ by a little.
        using var certificate = DevelopmentCertificate.Create(now.AddMinutes(-1), now.Add(Lifetime));
        DevelopmentCertificate.WritePem(certificate, certificatePath, keyPath);
    }
}
