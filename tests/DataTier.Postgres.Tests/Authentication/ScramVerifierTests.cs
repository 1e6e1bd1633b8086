using DataTier.Postgres.Authentication;

namespace DataTier.Postgres.Tests.Authentication;

public sealed class ScramVerifierTests
{
    [Fact]
    public void A_new_verifier_has_a_random_16_byte_salt_and_4096_iterations_like_PostgreSQL()
    {
        ScramVerifier a = ScramVerifier.Create("key");
        ScramVerifier b = ScramVerifier.Create("key");
        Assert.Equal(16, a.Salt.Length);
        Assert.Equal(4096, a.Iterations);
        Assert.Equal(32, a.StoredKey.Length);
        Assert.Equal(32, a.ServerKey.Length);
        Assert.NotEqual(a.Salt.ToArray(), b.Salt.ToArray());
        Assert.NotEqual(a.StoredKey.ToArray(), b.StoredKey.ToArray());
    }

    [Fact]
    public void The_same_password_salt_and_iterations_give_the_same_keys()
    {
        byte[] salt = Convert.FromBase64String(Rfc7677.Salt);
        ScramVerifier a = ScramVerifier.Create(Rfc7677.Password, salt);
        ScramVerifier b = ScramVerifier.Create(Rfc7677.Password, salt);
        Assert.Equal(a.StoredKey.ToArray(), b.StoredKey.ToArray());
        Assert.Equal(a.ServerKey.ToArray(), b.ServerKey.ToArray());
        Assert.NotEqual(a.StoredKey.ToArray(), ScramVerifier.Create(Rfc7677.Password, salt, 4097).StoredKey.ToArray());
    }

    [Fact]
    public void The_PostgreSQL_text_form_round_trips()
    {
        ScramVerifier verifier = ScramVerifier.Create(Rfc7677.Password, Convert.FromBase64String(Rfc7677.Salt));
        string text = verifier.ToPostgresFormat();
        Assert.StartsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", text, StringComparison.Ordinal);
        Assert.True(ScramVerifier.TryParsePostgresFormat(text, out ScramVerifier? parsed));
        Assert.Equal(verifier.StoredKey.ToArray(), parsed.StoredKey.ToArray());
        Assert.Equal(verifier.ServerKey.ToArray(), parsed.ServerKey.ToArray());
        Assert.Equal(verifier.Salt.ToArray(), parsed.Salt.ToArray());
        Assert.DoesNotContain(Convert.ToBase64String(verifier.StoredKey.Span), verifier.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("md5c6e2b6d6a1f5e0b2a1c4d6e8f0a2b4c6")]
    [InlineData("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==")]
    [InlineData("SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("SCRAM-SHA-256$x:W22ZaJ0SNY7soEsUEjb6gQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("SCRAM-SHA-256$4096:$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$!!!:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void Malformed_text_forms_are_rejected(string? text)
    {
        Assert.False(ScramVerifier.TryParsePostgresFormat(text, out ScramVerifier? verifier));
        Assert.Null(verifier);
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ScramVerifier.Create("x", iterations: 0));
        Assert.Throws<ArgumentException>(() => ScramVerifier.Create("x", ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => ScramVerifier.FromKeys([1], 1, new byte[31], new byte[32]));
    }
}
