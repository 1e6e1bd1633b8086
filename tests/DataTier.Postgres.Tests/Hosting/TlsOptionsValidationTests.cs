using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DataTier.Postgres.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Tests.Hosting;

/// <summary>DataTier:Postgres:Tls checked at start-up: every problem with the certificate is an error naming the setting and its value.</summary>
public sealed class TlsOptionsValidationTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("datatier-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_pem_certificate_with_its_key_file_is_loaded_once_with_its_private_key()
    {
        var (cert, key) = WritePem("good", Now.AddDays(-1), Now.AddDays(30));
        var tls = NewWireTls();
        var result = tls.Validate(null, Options(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key }));
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(tls.Enabled);
        Assert.False(tls.Required);
        Assert.True(tls.Certificate!.HasPrivateKey);
    }

    [Fact]
    public void A_pem_file_holding_certificate_and_key_needs_no_key_path()
    {
        var (cert, key) = WritePem("combined", Now.AddDays(-1), Now.AddDays(30));
        string combined = Path.Combine(_dir, "combined-both.pem");
        File.WriteAllText(combined, File.ReadAllText(cert) + File.ReadAllText(key));
        var tls = NewWireTls();
        Assert.True(tls.Validate(null, Options(new PostgresTlsOptions { CertificatePath = combined, Mode = PostgresTlsMode.Require })).Succeeded);
        Assert.True(tls.Required);
    }

    [Fact]
    public void A_missing_certificate_file_is_an_error_naming_the_setting_and_path()
    {
        string missing = Path.Combine(_dir, "nope.pem");
        var failures = Failures(new PostgresTlsOptions { CertificatePath = missing });
        Assert.Equal([$"DataTier:Postgres:Tls:CertificatePath is '{missing}': the file does not exist."], failures);
    }

    [Fact]
    public void An_unreadable_certificate_path_is_an_error()
    {
        // A directory cannot be read as a file, even by root (a 0000 file can).
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = _dir }));
        Assert.StartsWith($"DataTier:Postgres:Tls:CertificatePath is '{_dir}': the file cannot be read", failure);
    }

    [Fact]
    public void A_missing_key_file_is_an_error_naming_key_path()
    {
        var (cert, _) = WritePem("nokeyfile", Now.AddDays(-1), Now.AddDays(30));
        string missing = Path.Combine(_dir, "missing.key");
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = missing }));
        Assert.Equal($"DataTier:Postgres:Tls:KeyPath is '{missing}': the file does not exist.", failure);
    }

    [Fact]
    public void A_pem_certificate_without_a_key_is_an_error_that_says_to_set_key_path()
    {
        var (cert, _) = WritePem("alone", Now.AddDays(-1), Now.AddDays(30));
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert }));
        Assert.Contains($"CertificatePath is '{cert}': the certificate has no private key", failure);
        Assert.Contains("DataTier:Postgres:Tls:KeyPath", failure);
    }

    [Fact]
    public void A_key_path_that_holds_no_key_is_an_error()
    {
        var (cert, _) = WritePem("wrongfile", Now.AddDays(-1), Now.AddDays(30));
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = cert }));
        Assert.Equal($"DataTier:Postgres:Tls:KeyPath is '{cert}': the file holds no PEM private key.", failure);
    }

    [Fact]
    public void A_key_of_another_certificate_is_an_error()
    {
        var (cert, _) = WritePem("one", Now.AddDays(-1), Now.AddDays(30));
        var (_, otherKey) = WritePem("two", Now.AddDays(-1), Now.AddDays(30));
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = otherKey }));
        Assert.StartsWith($"DataTier:Postgres:Tls:CertificatePath is '{cert}' with the key in '{otherKey}': they cannot be loaded together", failure);
    }

    [Fact]
    public void An_expired_certificate_is_an_error_with_its_expiry_on_the_injected_clock()
    {
        var (cert, key) = WritePem("old", Now.AddDays(-60), Now.AddDays(-1));
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key }));
        Assert.Equal($"DataTier:Postgres:Tls:CertificatePath is '{cert}': the certificate expired on {Now.AddDays(-1).UtcDateTime:u}; renew it.", failure);

        // The same file is fine on a clock before its expiry: the check uses the TimeProvider, not the machine's clock.
        Assert.True(NewWireTls(Now.AddDays(-2)).Validate(null, Options(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key })).Succeeded);
    }

    [Fact]
    public void A_certificate_not_valid_yet_is_an_error()
    {
        var (cert, key) = WritePem("future", Now.AddDays(1), Now.AddDays(60));
        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key }));
        Assert.Contains("the certificate is not valid before", failure);
    }

    [Fact]
    public void An_encrypted_pem_key_needs_the_password()
    {
        using var certificate = DevelopmentCertificate.Create(Now.AddDays(-1), Now.AddDays(30));
        string cert = Path.Combine(_dir, "enc.crt");
        string key = Path.Combine(_dir, "enc.key");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        using (var ecdsa = certificate.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(key, ecdsa.ExportEncryptedPkcs8PrivateKeyPem("s3cret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000)));
        }

        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key }));
        Assert.Equal($"DataTier:Postgres:Tls:KeyPath is '{key}': the private key is encrypted; set DataTier:Postgres:Tls:Password.", failure);
        Assert.True(NewWireTls().Validate(null, Options(new PostgresTlsOptions { CertificatePath = cert, KeyPath = key, Password = "s3cret" })).Succeeded);
    }

    [Fact]
    public void A_pkcs12_file_loads_with_its_password_and_a_wrong_one_is_an_error_that_does_not_show_it()
    {
        using var certificate = DevelopmentCertificate.Create(Now.AddDays(-1), Now.AddDays(30));
        string pfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "right-password"));

        var tls = NewWireTls();
        Assert.True(tls.Validate(null, Options(new PostgresTlsOptions { CertificatePath = pfx, Password = "right-password" })).Succeeded);
        Assert.True(tls.Certificate!.HasPrivateKey);

        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = pfx, Password = "wrong-password" }));
        Assert.StartsWith($"DataTier:Postgres:Tls:CertificatePath is '{pfx}': it is neither a PEM file nor a PKCS#12 file that DataTier:Postgres:Tls:Password opens", failure);
        Assert.DoesNotContain("wrong-password", failure);
    }

    [Fact]
    public void A_pkcs12_file_without_a_private_key_is_an_error_and_key_path_is_refused_beside_it()
    {
        using var certificate = DevelopmentCertificate.Create(Now.AddDays(-1), Now.AddDays(30));
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        string pfx = Path.Combine(_dir, "public.pfx");
        File.WriteAllBytes(pfx, publicOnly.Export(X509ContentType.Pfx, "pw"));

        var failure = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = pfx, Password = "pw" }));
        Assert.Contains("the certificate has no private key", failure);

        var keyPath = Assert.Single(Failures(new PostgresTlsOptions { CertificatePath = pfx, Password = "pw", KeyPath = "/etc/some.key" }));
        Assert.StartsWith("DataTier:Postgres:Tls:KeyPath is '/etc/some.key', but DataTier:Postgres:Tls:CertificatePath", keyPath);
    }

    [Fact]
    public void Mode_off_loads_nothing_so_a_bad_path_is_not_an_error()
    {
        var tls = NewWireTls();
        Assert.True(tls.Validate(null, Options(new PostgresTlsOptions { CertificatePath = "/no/such.pem", Mode = PostgresTlsMode.Off })).Succeeded);
        Assert.False(tls.Enabled);
    }

    [Fact]
    public void Require_without_a_certificate_and_a_key_without_a_certificate_are_errors()
    {
        var failures = new PostgresOptionsValidator().Validate(null, Options(new PostgresTlsOptions { Mode = PostgresTlsMode.Require, KeyPath = "/k.pem" })).Failures!;
        Assert.Contains("DataTier:Postgres:Tls:Mode is Require but DataTier:Postgres:Tls:CertificatePath is empty; set a certificate, or use Allow to accept plain text.", failures);
        Assert.Contains("DataTier:Postgres:Tls:KeyPath is '/k.pem' but DataTier:Postgres:Tls:CertificatePath is empty; set the certificate it belongs to.", failures);
        Assert.Contains("DataTier:Postgres:Tls:Mode is 7; use Off, Allow or Require.", new PostgresOptionsValidator().Validate(null, Options(new PostgresTlsOptions { Mode = (PostgresTlsMode)7 })).Failures!);
    }

    [Fact]
    public void Start_up_validation_reports_the_certificate_errors_with_the_other_settings()
    {
        string missing = Path.Combine(_dir, "absent.pem");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataTier:Postgres:Port"] = "-1",
            ["DataTier:Postgres:BackendPoolSize"] = "0",
            ["DataTier:Postgres:Tls:CertificatePath"] = missing,
            ["DataTier:Postgres:Tls:Mode"] = "require",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddDataTierPostgres(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value);
        Assert.Contains("DataTier:Postgres:BackendPoolSize is 0; it must be greater than 0.", error.Failures);
        Assert.Contains($"DataTier:Postgres:Tls:CertificatePath is '{missing}': the file does not exist.", error.Failures);
    }

    [Fact]
    public void Start_up_validation_loads_the_certificate_into_the_wire_tls_service()
    {
        var (cert, key) = WritePem("di", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataTier:Postgres:Tls:CertificatePath"] = cert,
            ["DataTier:Postgres:Tls:KeyPath"] = key,
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddDataTierPostgres(configuration).BuildServiceProvider();

        var tls = provider.GetRequiredService<WireTls>();
        Assert.False(tls.Enabled);
        _ = provider.GetRequiredService<IOptions<PostgresOptions>>().Value;
        var loaded = tls.Certificate;
        Assert.True(tls.Enabled);

        // ValidateOnStart goes through IOptionsMonitor, which builds and validates its own instance: still one load.
        _ = provider.GetRequiredService<IOptionsMonitor<PostgresOptions>>().CurrentValue;
        Assert.Same(loaded, tls.Certificate);
    }

    private string[] Failures(PostgresTlsOptions tls) =>
        NewWireTls().Validate(null, Options(tls)).Failures?.ToArray() ?? [];

    private static PostgresOptions Options(PostgresTlsOptions tls) => new() { Tls = tls };

    private static WireTls NewWireTls(DateTimeOffset? now = null) => new(new FixedClock(now ?? Now), NullLogger<WireTls>.Instance);

    private (string Certificate, string Key) WritePem(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var certificate = DevelopmentCertificate.Create(notBefore, notAfter);
        string cert = Path.Combine(_dir, name + ".crt");
        string key = Path.Combine(_dir, name + ".key");
        DevelopmentCertificate.WritePem(certificate, cert, key);
        return (cert, key);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
