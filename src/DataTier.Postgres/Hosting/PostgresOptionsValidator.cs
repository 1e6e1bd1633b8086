using System.Net;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Hosting;

/// <summary>Checks <see cref="PostgresOptions"/> at start-up, collecting every error with the setting's name and value.</summary>
internal sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    private const string At = PostgresOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < -1 or > 65535)
        {
            errors.Add($"{At}:Port is {options.Port}; use 0 (off), -1 (a free port) or a TCP port up to 65535.");
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            errors.Add($"{At}:ListenAddress is '{options.ListenAddress}'; use an IP address such as 127.0.0.1 or 0.0.0.0.");
        }

        if (string.IsNullOrWhiteSpace(options.Database))
        {
            errors.Add($"{At}:Database is empty; clients name it in their connection string (default 'datatier').");
        }

        Positive(errors, "MaxClientConnections", options.MaxClientConnections);
        Positive(errors, "BackendPoolSize", options.BackendPoolSize);
        Positive(errors, "BackendWaitMs", options.BackendWaitMs);
        Positive(errors, "BackendConnectTimeoutMs", options.BackendConnectTimeoutMs);
        Positive(errors, "BackendIoTimeoutMs", options.BackendIoTimeoutMs);
        Positive(errors, "BackendLifetimeSeconds", options.BackendLifetimeSeconds);
        Positive(errors, "ClientAuthTimeoutMs", options.ClientAuthTimeoutMs);
        Positive(errors, "MaxPreparedStatementsPerClient", options.MaxPreparedStatementsPerClient);
        if (options.MaxMessageBytes < 1024)
        {
            errors.Add($"{At}:MaxMessageBytes is {options.MaxMessageBytes}; it must be at least 1024.");
        }

        ValidateTls(errors, options.Tls);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>How the TLS settings fit together; <see cref="WireTls"/> checks and loads the files themselves.</summary>
    private static void ValidateTls(List<string> errors, PostgresTlsOptions tls)
    {
        if (!Enum.IsDefined(tls.Mode))
        {
            errors.Add($"{At}:Tls:Mode is {tls.Mode}; use Off, Allow or Require.");
        }

        if (!string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            return;
        }

        if (tls.Mode == PostgresTlsMode.Require)
        {
            errors.Add($"{At}:Tls:Mode is Require but {At}:Tls:CertificatePath is empty; set a certificate, or use Allow to accept plain text.");
        }

        if (!string.IsNullOrWhiteSpace(tls.KeyPath))
        {
            errors.Add($"{At}:Tls:KeyPath is '{tls.KeyPath}' but {At}:Tls:CertificatePath is empty; set the certificate it belongs to.");
        }
    }

    private static void Positive(List<string> errors, string setting, int value)
    {
        if (value <= 0)
        {
            errors.Add($"{At}:{setting} is {value}; it must be greater than 0.");
        }
    }
}
