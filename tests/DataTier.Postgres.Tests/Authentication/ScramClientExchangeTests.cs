using System.Text;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Tests.Authentication;

public sealed class ScramClientExchangeTests
{
    [Fact]
    public void The_RFC_7677_exchange_produces_the_expected_client_messages()
    {
        var client = new ScramClientExchange(Rfc7677.Password, Rfc7677.ClientNonce, userName: "user");
        Assert.Equal(Rfc7677.ClientFirst, Text(client.CreateClientFirstMessage()));
        Assert.Equal(Rfc7677.ClientFinal, Text(client.ProcessServerFirstMessage(Ascii(Rfc7677.ServerFirst))));
        client.VerifyServerFinalMessage(Ascii(Rfc7677.ServerFinal));
        Assert.True(client.IsServerVerified);
    }

    [Fact]
    public void By_default_the_client_sends_no_user_name_and_no_channel_binding_like_libpq()
    {
        string first = Text(new ScramClientExchange("secret").CreateClientFirstMessage());
        Assert.StartsWith("n,,n=,r=", first, StringComparison.Ordinal);
        Assert.Equal(24, first["n,,n=,r=".Length..].Length);
    }

    [Fact]
    public void User_names_are_escaped_as_saslnames()
    {
        var client = new ScramClientExchange("secret", "nonce", userName: "a=b,c");
        Assert.Equal("n,,n=a=3Db=2Cc,r=nonce", Text(client.CreateClientFirstMessage()));
    }

    [Fact]
    public void Client_and_server_interoperate_with_random_nonces_and_salt()
    {
        ScramVerifier verifier = ScramVerifier.Create("dt_app_0123456789abcdef", iterations: 1024);
        var server = new ScramServerExchange(verifier);
        var client = new ScramClientExchange("dt_app_0123456789abcdef");

        ScramServerStep first = server.ProcessClientFirstMessage(client.CreateClientFirstMessage().Span);
        ScramServerStep final = server.ProcessClientFinalMessage(client.ProcessServerFirstMessage(first.Message.Span).Span);
        Assert.Equal(ScramStepOutcome.Succeeded, final.Outcome);
        client.VerifyServerFinalMessage(final.Message.Span);
        Assert.True(client.IsServerVerified);
        Assert.True(server.IsAuthenticated);
    }

    [Fact]
    public void A_wrong_password_is_refused_by_the_server()
    {
        var server = new ScramServerExchange(ScramVerifier.Create("right", iterations: 1024));
        var client = new ScramClientExchange("wrong");
        ScramServerStep first = server.ProcessClientFirstMessage(client.CreateClientFirstMessage().Span);
        ScramServerStep final = server.ProcessClientFinalMessage(client.ProcessServerFirstMessage(first.Message.Span).Span);
        Assert.Equal(SqlState.InvalidPassword, final.SqlState);
    }

    [Fact]
    public void A_server_that_does_not_know_the_password_is_caught_by_its_signature()
    {
        var client = new ScramClientExchange(Rfc7677.Password, Rfc7677.ClientNonce, userName: "user");
        client.CreateClientFirstMessage();
        client.ProcessServerFirstMessage(Ascii(Rfc7677.ServerFirst));
        var error = Assert.Throws<PostgresProtocolException>(() => client.VerifyServerFinalMessage(Ascii("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        Assert.Equal(SqlState.InvalidAuthorizationSpecification, error.SqlState);
        Assert.False(client.IsServerVerified);
    }

    [Theory]
    [InlineData("e=invalid-proof", "28000")]
    [InlineData("v=", "08P01")]
    [InlineData("v=not base64", "08P01")]
    [InlineData("x=y", "08P01")]
    [InlineData("", "08P01")]
    public void A_bad_server_final_message_throws_a_fatal_protocol_error(string serverFinal, string sqlState)
    {
        var client = new ScramClientExchange(Rfc7677.Password, Rfc7677.ClientNonce, userName: "user");
        client.CreateClientFirstMessage();
        client.ProcessServerFirstMessage(Ascii(Rfc7677.ServerFirst));
        var error = Assert.Throws<PostgresProtocolException>(() => client.VerifyServerFinalMessage(Ascii(serverFinal)));
        Assert.Equal(sqlState, error.SqlState);
        Assert.True(error.IsFatal);
    }

    [Theory]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=someoneelse%hvYDpWUa2RaTCAfuxFIlj,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=!!!!,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=1")]
    [InlineData("m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("")]
    public void A_malformed_server_first_message_throws_a_fatal_protocol_error(string serverFirst)
    {
        var client = new ScramClientExchange(Rfc7677.Password, Rfc7677.ClientNonce);
        client.CreateClientFirstMessage();
        var error = Assert.Throws<PostgresProtocolException>(() => client.ProcessServerFirstMessage(Ascii(serverFirst)));
        Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
        Assert.True(error.IsFatal);
    }

    [Fact]
    public void Steps_out_of_order_are_a_programming_error()
    {
        var client = new ScramClientExchange("x");
        Assert.Throws<InvalidOperationException>(() => client.ProcessServerFirstMessage(Ascii(Rfc7677.ServerFirst)));
        client.CreateClientFirstMessage();
        Assert.Throws<InvalidOperationException>(() => client.CreateClientFirstMessage());
        Assert.Throws<InvalidOperationException>(() => client.VerifyServerFinalMessage(Ascii(Rfc7677.ServerFinal)));
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.ASCII.GetString(bytes.Span);
}
