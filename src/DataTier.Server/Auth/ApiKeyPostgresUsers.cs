using System.Collections.Frozen;
using DataTier.Postgres.Authentication;
using Microsoft.Extensions.Options;

namespace DataTier.Server.Auth;

/// <summary>
/// The wire front end's users: one per API key (user = key name, password = the key), with the key's SCRAM verifier
/// and scopes. Rebuilt when the configuration reloads, so rotated keys stop logging in at once.
/// </summary>
internal sealed class ApiKeyPostgresUsers : IPostgresUserStore
{
    private volatile FrozenDictionary<string, PostgresUser> _users;

    public ApiKeyPostgresUsers(IOptionsMonitor<ApiKeyOptions> options)
    {
        _users = Build(options.CurrentValue);
        options.OnChange(o => _users = Build(o));
    }

    public PostgresUser? Find(string name) => _users.GetValueOrDefault(name);

    private static FrozenDictionary<string, PostgresUser> Build(ApiKeyOptions options)
    {
        var users = new Dictionary<string, PostgresUser>(StringComparer.Ordinal);
        foreach (var key in options.Keys)
        {
            ScramVerifier.TryParsePostgresFormat(key.ScramSha256, out var verifier);
            users[key.Name] = new PostgresUser(key.Name, verifier, key.Scopes.Contains(Scopes.DataRead), key.Scopes.Contains(Scopes.DataWrite));
        }

        return users.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
