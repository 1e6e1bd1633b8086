namespace DataTier.Postgres.Authentication;

/// <summary>Finds the wire user a client names in its startup packet (the server maps API keys onto it).</summary>
public interface IPostgresUserStore
{
    /// <summary>The user called <paramref name="name"/>, or null when there is none.</summary>
    PostgresUser? Find(string name);
}
