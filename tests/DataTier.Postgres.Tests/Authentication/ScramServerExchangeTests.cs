using System.Security.Cryptography;
using System.Text;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Tests.Authentication;

public sealed class ScramServerExchangeTests
{
    // PBKDF2 is the slow part; one verifier serves every test, as the server will cache one per API key.
    private static readonly ScramVerifier RfcVerifier = ScramVerifier.Create(Rfc7677.Password, Convert.FromBase64String(Rfc7677.Salt), Rfc7677.Iterations);

    [Fact]
    public void The_RFC_7677_exchange_produces_the_expected_server_messages()
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);

        ScramServerStep first = server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        Assert.Equal(ScramStepOutcome.Continue, first.Outcome);
        Assert.Equal(Rfc7677.ServerFirst, Text(first.Message));

        ScramServerStep final = server.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal));
        Assert.Equal(ScramStepOutcome.Succeeded, final.Outcome);
        Assert.Equal(Rfc7677.ServerFinal, Text(final.Message));
        Assert.True(server.IsAuthenticated);
    }

    [Fact]
    public void A_random_server_nonce_is_24_printable_characters_after_the_client_nonce()
    {
        var server = new ScramServerExchange(RfcVerifier);
        string serverFirst = Text(server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst)).Message);
        string nonce = serverFirst.Split(',')[0][2..];
        Assert.StartsWith(Rfc7677.ClientNonce, nonce, StringComparison.Ordinal);
        Assert.Equal(Rfc7677.ClientNonce.Length + 24, nonce.Length);
        Assert.DoesNotContain(',', nonce);

        var other = new ScramServerExchange(RfcVerifier);
        Assert.NotEqual(serverFirst, Text(other.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst)).Message));
    }

    [Fact]
    public void A_proof_made_with_another_password_fails_with_28P01_and_no_reason_for_the_client()
    {
        var server = new ScramServerExchange(ScramVerifier.Create("not pencil", Convert.FromBase64String(Rfc7677.Salt)), Rfc7677.ServerNonceSuffix);
        server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        ScramServerStep final = server.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal));
        Assert.True(final.IsFailure);
        Assert.Equal(SqlState.InvalidPassword, final.SqlState);
        Assert.False(server.IsAuthenticated);

        PostgresErrorFields error = final.ToErrorFields("user");
        Assert.Equal(("FATAL", "28P01", "password authentication failed for user \"user\""), (error.Severity, error.Code, error.Message));
        Assert.Null(error.Detail);
    }

    [Fact]
    public void A_tampered_nonce_fails_as_a_protocol_violation()
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        string tampered = Rfc7677.ClientFinal.Replace("hNlF$k0", "hNlF$k1", StringComparison.Ordinal);
        ScramServerStep final = server.ProcessClientFinalMessage(Ascii(tampered));
        Assert.True(final.IsFailure);
        Assert.Equal(SqlState.ProtocolViolation, final.SqlState);
        Assert.Contains("nonce", final.FailureReason, StringComparison.Ordinal);
        Assert.Equal("malformed SCRAM message", final.ToErrorFields("user").Message);
    }

    [Fact]
    public void A_tampered_proof_fails_with_28P01()
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        string tampered = Rfc7677.ClientFinal.Replace("p=dHzb", "p=eHzb", StringComparison.Ordinal);
        Assert.Equal(SqlState.InvalidPassword, server.ProcessClientFinalMessage(Ascii(tampered)).SqlState);
    }

    [Fact]
    public void The_y_flag_is_accepted_and_must_be_echoed_as_eSws()
    {
        ScramServerStep ok = RunWithFlag("y,,", "eSws");
        Assert.Equal(ScramStepOutcome.Succeeded, ok.Outcome);

        ScramServerStep mismatch = RunWithFlag("y,,", "biws");
        Assert.Equal(SqlState.ProtocolViolation, mismatch.SqlState);
        Assert.Contains("channel binding", mismatch.FailureReason, StringComparison.Ordinal);

        Assert.Equal(SqlState.ProtocolViolation, RunWithFlag("n,,", "eSws").SqlState);
    }

    [Fact]
    public void Extensions_between_nonce_and_proof_are_ignored_but_part_of_the_signed_message()
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst + ",x=client-extension"));
        string withoutProof = $"c=biws,r={Rfc7677.CombinedNonce},x=final-extension";
        string bare = Rfc7677.ClientFirst[3..] + ",x=client-extension";
        string final = withoutProof + ",p=" + Proof(Rfc7677.Password, $"{bare},{Rfc7677.ServerFirst},{withoutProof}");
        Assert.Equal(ScramStepOutcome.Succeeded, server.ProcessClientFinalMessage(Ascii(final)).Outcome);
    }

    public static TheoryData<string, string, string> MalformedClientFirst() => new()
    {
        { "empty", string.Empty, SqlState.ProtocolViolation },
        { "channel binding requested", "p=tls-server-end-point,,n=,r=abc", SqlState.ProtocolViolation },
        { "unknown flag", "x,,n=,r=abc", SqlState.ProtocolViolation },
        { "no comma after flag", "n", SqlState.ProtocolViolation },
        { "no comma after flag, longer", "nn,n=,r=abc", SqlState.ProtocolViolation },
        { "authorization identity", "n,a=admin,n=,r=abc", SqlState.FeatureNotSupported },
        { "garbage authzid", "n,x,n=,r=abc", SqlState.ProtocolViolation },
        { "mandatory extension", "n,,m=ext,n=,r=abc", SqlState.FeatureNotSupported },
        { "no user attribute", "n,,r=abc", SqlState.ProtocolViolation },
        { "no nonce", "n,,n=", SqlState.ProtocolViolation },
        { "empty nonce", "n,,n=,r=", SqlState.ProtocolViolation },
        { "non-printable nonce", "n,,n=,r=ab\u007fc", SqlState.ProtocolViolation },
        { "space in nonce", "n,,n=,r=a c", SqlState.ProtocolViolation },
        { "malformed extension", "n,,n=,r=abc,ext", SqlState.ProtocolViolation },
        { "extension without name", "n,,n=,r=abc,=x", SqlState.ProtocolViolation },
        { "NUL inside", "n,,n=\0,r=abc", SqlState.ProtocolViolation },
        { "attributes swapped", "n,,r=abc,n=", SqlState.ProtocolViolation },
    };

    [Theory]
    [MemberData(nameof(MalformedClientFirst))]
    public void A_malformed_client_first_message_fails_cleanly(string name, string message, string sqlState)
    {
        var server = new ScramServerExchange(RfcVerifier);
        ScramServerStep step = server.ProcessClientFirstMessage(Encoding.UTF8.GetBytes(message));
        Assert.True(step.IsFailure, name);
        Assert.Equal(sqlState, step.SqlState);
        Assert.True(step.Message.IsEmpty);
        Assert.Equal("FATAL", step.ToErrorFields("u").Severity);
        Assert.True(server.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal)).IsFailure, "a failed exchange stays failed");
    }

    public static TheoryData<string, string> MalformedClientFinal() => new()
    {
        { "empty", string.Empty },
        { "no channel binding", $"r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" },
        { "unknown channel binding", $"c=cD10bHM=,r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" },
        { "no nonce", "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" },
        { "only the client's nonce", $"c=biws,r={Rfc7677.ClientNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" },
        { "no proof", $"c=biws,r={Rfc7677.CombinedNonce}" },
        { "empty proof", $"c=biws,r={Rfc7677.CombinedNonce},p=" },
        { "short proof", $"c=biws,r={Rfc7677.CombinedNonce},p=dHzbZapW" },
        { "long proof", $"c=biws,r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQAAAA=" },
        { "proof with whitespace", $"c=biws,r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9 ytag9zjfMHgsqmmiz7AndVQ=" },
        { "proof not base64", $"c=biws,r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndV!=" },
        { "garbage after proof", $"c=biws,r={Rfc7677.CombinedNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=y" },
        { "malformed attribute", $"c=biws,r={Rfc7677.CombinedNonce},junk,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=" },
        { "NUL inside", Rfc7677.ClientFinal + "\0" },
    };

    [Theory]
    [MemberData(nameof(MalformedClientFinal))]
    public void A_malformed_client_final_message_fails_cleanly_as_a_protocol_violation(string name, string message)
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        Assert.Equal(ScramStepOutcome.Continue, server.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst)).Outcome);
        ScramServerStep step = server.ProcessClientFinalMessage(Encoding.UTF8.GetBytes(message));
        Assert.True(step.IsFailure, name);
        Assert.Equal(SqlState.ProtocolViolation, step.SqlState);
        Assert.False(server.IsAuthenticated);
    }

    [Fact]
    public void Steps_out_of_order_fail_instead_of_throwing()
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        Assert.True(server.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal)).IsFailure);

        var twice = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        twice.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        Assert.True(twice.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst)).IsFailure);

        var replay = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        replay.ProcessClientFirstMessage(Ascii(Rfc7677.ClientFirst));
        Assert.False(replay.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal)).IsFailure);
        Assert.True(replay.ProcessClientFinalMessage(Ascii(Rfc7677.ClientFinal)).IsFailure);
    }

    [Fact]
    public void An_unknown_user_sees_a_stable_salt_and_fails_like_a_wrong_password()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        string first = Text(ScramServerExchange.ForUnknownUser("ghost", secret, 4096).ProcessClientFirstMessage(Ascii("n,,n=,r=abc")).Message);
        string again = Text(ScramServerExchange.ForUnknownUser("ghost", secret, 4096).ProcessClientFirstMessage(Ascii("n,,n=,r=abc")).Message);
        string otherUser = Text(ScramServerExchange.ForUnknownUser("phantom", secret, 4096).ProcessClientFirstMessage(Ascii("n,,n=,r=abc")).Message);
        Assert.Equal(first.Split(',')[1], again.Split(',')[1]);
        Assert.NotEqual(first.Split(',')[1], otherUser.Split(',')[1]);
        Assert.EndsWith(",i=4096", first, StringComparison.Ordinal);

        // Even a client that somehow computed a valid proof for the mock salt is refused.
        ScramServerExchange doomed = ScramServerExchange.ForUnknownUser("ghost", secret);
        var client = new ScramClientExchange("anything");
        string serverFirst = Text(doomed.ProcessClientFirstMessage(client.CreateClientFirstMessage().Span).Message);
        ScramServerStep final = doomed.ProcessClientFinalMessage(client.ProcessServerFirstMessage(Ascii(serverFirst)).Span);
        Assert.Equal(SqlState.InvalidPassword, final.SqlState);
    }

    [Fact]
    public void Randomly_mutated_client_messages_never_throw()
    {
        var random = new Random(5802);
        for (int i = 0; i < 3000; i++)
        {
            var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
            byte[] first = Protocol.FrontendMessageFuzzTests.Mutate(random, Ascii(Rfc7677.ClientFirst), lengthOffset: 0);
            byte[] final = random.Next(4) == 0 ? Ascii(Rfc7677.ClientFinal) : Protocol.FrontendMessageFuzzTests.Mutate(random, Ascii(Rfc7677.ClientFinal), lengthOffset: 0);
            ScramServerStep step = server.ProcessClientFirstMessage(random.Next(4) == 0 ? Ascii(Rfc7677.ClientFirst) : first);
            ScramServerStep last = server.ProcessClientFinalMessage(final);
            Assert.True(step.Outcome != ScramStepOutcome.Succeeded);
            Assert.True(last.IsFailure || last.Outcome == ScramStepOutcome.Succeeded);
            Assert.True(last.IsFailure || (step.Outcome == ScramStepOutcome.Continue && final.AsSpan().SequenceEqual(Ascii(Rfc7677.ClientFinal))));
        }
    }

    private static ScramServerStep RunWithFlag(string gs2Header, string channelBinding)
    {
        var server = new ScramServerExchange(RfcVerifier, Rfc7677.ServerNonceSuffix);
        string bare = Rfc7677.ClientFirst[3..];
        string serverFirst = Text(server.ProcessClientFirstMessage(Ascii(gs2Header + bare)).Message);
        string withoutProof = $"c={channelBinding},r={Rfc7677.CombinedNonce}";
        return server.ProcessClientFinalMessage(Ascii(withoutProof + ",p=" + Proof(Rfc7677.Password, $"{bare},{serverFirst},{withoutProof}")));
    }

    /// <summary>A client proof computed independently of the exchange classes, from RFC 5802's formulas.</summary>
    private static string Proof(string password, string authMessage)
    {
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(Rfc7677.Salt), Rfc7677.Iterations, HashAlgorithmName.SHA256, 32);
        byte[] clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        byte[] signature = HMACSHA256.HashData(SHA256.HashData(clientKey), Encoding.UTF8.GetBytes(authMessage));
        return Convert.ToBase64String(clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray());
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.ASCII.GetString(bytes.Span);
}
