using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DataTier.Postgres.Hosting;

/// <summary>
/// Loads the wire listener's certificate from <see cref="PostgresTlsOptions"/>: PEM (with its key inline or in
/// <c>KeyPath</c>) or PKCS#12. Every problem is reported as a start-up error naming the setting and its value.
/// </summary>
internal static class ServerCertificateLoader
{
    private const string At = PostgresOptions.SectionName + ":Tls";

    /// <summary>The certificate with its private key, or null with the reasons added to <paramref name="errors"/>.</summary>
    public static X509Certificate2? Load(PostgresTlsOptions tls, DateTimeOffset now, List<string> errors)
    {
        string path = tls.CertificatePath!;
        if (ReadFile("CertificatePath", path, errors) is not { } bytes)
        {
            return null;
        }

        var certificate = IsPem(bytes) ? LoadPem(tls, path, bytes, errors) : LoadPkcs12(tls, path, bytes, errors);
        if (certificate is null)
        {
            return null;
        }

        if (!certificate.HasPrivateKey)
        {
            errors.Add($"{At}:CertificatePath is '{path}': the certificate has no private key; use a PKCS#12 file that holds it, or a PEM certificate with {At}:KeyPath.");
        }

        if (now < certificate.NotBefore)
        {
            errors.Add($"{At}:CertificatePath is '{path}': the certificate is not valid before {certificate.NotBefore.ToUniversalTime():u}.");
        }

        if (now > certificate.NotAfter)
        {
            errors.Add($"{At}:CertificatePath is '{path}': the certificate expired on {certificate.NotAfter.ToUniversalTime():u}; renew it.");
        }

        if (errors.Count > 0)
        {
            certificate.Dispose();
            return null;
        }

        return certificate;
    }

    private static X509Certificate2? LoadPem(PostgresTlsOptions tls, string path, byte[] bytes, List<string> errors)
    {
        string certificatePem = System.Text.Encoding.ASCII.GetString(bytes);
        string keySetting = string.IsNullOrWhiteSpace(tls.KeyPath) ? "CertificatePath" : "KeyPath";
        string keyPath = string.IsNullOrWhiteSpace(tls.KeyPath) ? path : tls.KeyPath;
        string keyPem = certificatePem;
        if (keySetting == "KeyPath")
        {
            if (ReadFile("KeyPath", keyPath, errors) is not { } keyBytes)
            {
                return null;
            }

            keyPem = System.Text.Encoding.ASCII.GetString(keyBytes);
        }

        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            errors.Add(keySetting == "KeyPath"
                ? $"{At}:KeyPath is '{keyPath}': the file holds no PEM private key."
                : $"{At}:CertificatePath is '{path}': the certificate has no private key; set {At}:KeyPath to its PEM key file.");
            return null;
        }

        bool encrypted = keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && string.IsNullOrEmpty(tls.Password))
        {
            errors.Add($"{At}:{keySetting} is '{keyPath}': the private key is encrypted; set {At}:Password.");
            return null;
        }

        try
        {
            return encrypted
                ? X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, tls.Password)
                : X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // The message says what is wrong (no certificate, a key that does not match it (ArgumentException), a wrong
            // password); it holds no secret.
            errors.Add($"{At}:CertificatePath is '{path}' with the key in '{keyPath}': they cannot be loaded together ({e.Message}).");
            return null;
        }
    }

    private static X509Certificate2? LoadPkcs12(PostgresTlsOptions tls, string path, byte[] bytes, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(tls.KeyPath))
        {
            errors.Add($"{At}:KeyPath is '{tls.KeyPath}', but {At}:CertificatePath '{path}' is not PEM; a PKCS#12 file holds its own key, so leave KeyPath empty.");
            return null;
        }

        try
        {
            return X509CertificateLoader.LoadPkcs12(bytes, tls.Password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            errors.Add($"{At}:CertificatePath is '{path}': it is neither a PEM file nor a PKCS#12 file that {At}:Password opens ({e.Message}).");
            return null;
        }
    }

    private static byte[]? ReadFile(string setting, string path, List<string> errors)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            errors.Add($"{At}:{setting} is '{path}': the file does not exist.");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or NotSupportedException or ArgumentException)
        {
            errors.Add($"{At}:{setting} is '{path}': the file cannot be read ({e.Message}).");
        }

        return null;
    }

    private static bool IsPem(byte[] bytes) => bytes.AsSpan().IndexOf("-----BEGIN "u8) >= 0;
}
