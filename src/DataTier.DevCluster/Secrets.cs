using System.Security.Cryptography;
using System.Text;

namespace DataTier.DevCluster;

/// <summary>Random passwords, API keys and signing keys for one local cluster.</summary>
internal static class Secrets
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A password of letters and digits only, so it can be inlined in DDL and connection strings.</summary>
    public static string Password() => RandomNumberGenerator.GetString(Alphanumerics, 24);

    /// <summary>An API key: the prefix names its kind (<c>dt_admin_</c>, <c>dt_app_</c>, <c>dt_read_</c>).</summary>
    public static string ApiKey(string prefix) => prefix + RandomNumberGenerator.GetString(Alphanumerics, 32);

    /// <summary>Base64 of 32 random bytes.</summary>
    public static string SigningKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes: how the server stores an API key.</summary>
    public static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
