using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using DataTier.Core.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Hosting;
using DataTier.Postgres.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// Hostile input against a running wire server on 127.0.0.1: mutated start-up packets, SCRAM messages and
/// Query/Parse/Bind/Describe/Execute/Close/Sync messages (<see cref="ProtocolMutator"/>), from a fixed seed. The unit
/// fuzz of the codec (DataTier.Postgres.Tests) checks the decoder alone; this one checks the whole server.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WireFuzzTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20_261_215;
    private const int Messages = 10_000;
    private const int Workers = 8;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    private enum Phase
    {
        Startup,
        Authentication,
        Session,
    }

    [Fact(Timeout = 240_000)]
    public async Task Ten_thousand_mutated_messages_harm_no_other_connection_change_no_table_and_leak_no_secret()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        int maxMessageBytes = wire.Server.Services.GetRequiredService<IOptions<PostgresOptions>>().Value.MaxMessageBytes;
        var secrets = Secrets(wire);
        var before = await fixture.DemoTableChecksumsAsync();
        long teamOneTasks = await Db.ScalarAsync<long>(fixture.Shard(fixture.Ring.GetShard("team-1")).Primary, "select count(*) from tasks where team_id = 'team-1'");
        var failures = new ConcurrentQueue<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        int sent = 0;

        await using var healthySource = NpgsqlDataSource.Create(wire.ConnectionString());
        using var fuzzing = new CancellationTokenSource();
        var healthy = HealthyClientAsync(healthySource, teamOneTasks, fuzzing.Token);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var session = new SessionConnection(wire, fixture);
            try
            {
                for (int index = worker; index < Messages && failures.Count < 20; index += Workers)
                {
                    try
                    {
                        string outcome = await RunCaseAsync(index, session, maxMessageBytes, secrets);
                        outcomes.AddOrUpdate(outcome, 1, static (_, n) => n + 1);
                        Interlocked.Increment(ref sent);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        failures.Enqueue($"case {index} (seed {Seed}): {e.Message}");
                        session.Drop();
                    }
                }
            }
            finally
            {
                session.Drop();
            }
        })));
        clock.Stop();
        await fuzzing.CancelAsync();
        var (healthyReads, healthyFailures) = await healthy;
        output.WriteLine($"{sent} mutated messages in {clock.Elapsed.TotalSeconds:0.0} s; {healthyReads} healthy reads during the fuzz");
        foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,6}  {outcome}");
        }

        Assert.True(failures.IsEmpty, string.Join("\n", failures));

        // Nothing a client sent escaped the session's own error handling: no unhandled exception reached Kestrel, no session ended as an internal error.
        var crashes = wire.Server.Logs.Lines
            .Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal) || l.Contains($"[{LogEventIds.WireSessionFailed}]", StringComparison.Ordinal))
            .ToList();
        Assert.True(crashes.Count == 0, string.Join("\n", crashes.Take(5)));
        Assert.Equal(Messages, sent);
        Assert.Empty(healthyFailures);
        Assert.True(healthyReads > 0, "the healthy client ran no read during the fuzz");

        // After the fuzz: a new client still gets its answer, and no table changed on any primary.
        await using var after = healthySource.CreateCommand("select count(*) from tasks where team_id = $1");
        after.Parameters.Add(new NpgsqlParameter { Value = "team-1" });
        Assert.Equal(teamOneTasks, (long)(await after.ExecuteScalarAsync())!);
        Assert.Equal(before, await fixture.DemoTableChecksumsAsync());
    }

    /// <summary>Runs case <paramref name="index"/>: builds its valid messages, mutates one, sends them and judges every byte the server sends back.</summary>
    private async Task<string> RunCaseAsync(int index, SessionConnection session, int maxMessageBytes, IReadOnlyList<byte[]> secrets)
    {
        var random = new Random(unchecked((Seed * 31) + index));
        var phase = (index % 10) switch
        {
            0 or 1 => Phase.Startup,
            2 => Phase.Authentication,
            _ => Phase.Session,
        };
        return phase switch
        {
            Phase.Startup => await StartupCaseAsync(random, session.Port, maxMessageBytes, secrets),
            Phase.Authentication => await AuthenticationCaseAsync(random, session.Port, maxMessageBytes, secrets),
            _ => await SessionCaseAsync(random, session, maxMessageBytes, secrets),
        };
    }

    private static async Task<string> StartupCaseAsync(Random random, int port, int maxMessageBytes, IReadOnlyList<byte[]> secrets)
    {
        var packet = new ArrayBufferWriter<byte>();
        switch (random.Next(5))
        {
            case 0:
                FrontendMessageWriter.WriteStartupMessage(packet, ProtocolVersion.V3_0, [new("user", "app"), new("database", "datatier"), new("application_name", "fuzz")]);
                break;
            case 1:
                FrontendMessageWriter.WriteStartupMessage(packet, ProtocolVersion.V3_0, [new("user", "reader"), new("database", "datatier"), new("client_encoding", "UTF8")]);
                break;
            case 2:
                FrontendMessageWriter.WriteSslRequest(packet);
                break;
            case 3:
                FrontendMessageWriter.WriteGssEncryptionRequest(packet);
                break;
            default:
                FrontendMessageWriter.WriteCancelRequest(packet, random.Next(), random.Next());
                break;
        }

        var mutation = ProtocolMutator.Mutate(random, packet.WrittenSpan.ToArray(), startup: true, maxMessageBytes);
        using var client = await RawWireClient.ConnectAsync(port);
        await SendThenHangUpAsync(client, mutation.Bytes);
        var messages = Judge(client, "start-up " + mutation.Kind, secrets, startupAnswer: true);
        if (messages.Any(m => IsAuthenticationOk(m) || m.Type == (byte)BackendMessageType.ReadyForQuery))
        {
            throw new InvalidOperationException($"a mutated start-up packet ({mutation.Kind}) was logged in without a password");
        }

        return $"start-up   {mutation.Kind,-20} {Outcome(messages)}";
    }

    private async Task<string> AuthenticationCaseAsync(Random random, int port, int maxMessageBytes, IReadOnlyList<byte[]> secrets)
    {
        using var client = await RawWireClient.ConnectAsync(port);
        var packet = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteStartupMessage(packet, ProtocolVersion.V3_0, [new("user", "app"), new("database", "datatier")]);
        await client.SendAsync(packet.WrittenMemory);
        await ExpectAuthenticationAsync(client, AuthenticationRequestType.Sasl);

        // SCRAM's nonces are random by design; which message is mutated, and how, comes from the seed.
        var scram = new ScramClientExchange(fixture.Manifest.Keys.App);
        packet.Clear();
        FrontendMessageWriter.WriteSaslInitialResponse(packet, ScramClientExchange.MechanismName, scram.CreateClientFirstMessage().Span);
        string which = "client-first";
        if (random.Next(2) == 1)
        {
            await client.SendAsync(packet.WrittenMemory);
            var serverFirst = await ExpectAuthenticationAsync(client, AuthenticationRequestType.SaslContinue);
            packet.Clear();
            FrontendMessageWriter.WriteSaslResponse(packet, scram.ProcessServerFirstMessage(serverFirst.Data.Span).Span);
            which = "client-final";
        }

        var mutation = ProtocolMutator.Mutate(random, packet.WrittenSpan.ToArray(), startup: false, maxMessageBytes);
        await SendThenHangUpAsync(client, mutation.Bytes);
        var messages = Judge(client, $"{which} {mutation.Kind}", secrets, startupAnswer: false);
        if (messages.Any(IsAuthenticationOk))
        {
            throw new InvalidOperationException($"a mutated SCRAM {which} message ({mutation.Kind}) was accepted");
        }

        return $"{which,-10} {mutation.Kind,-20} {Outcome(messages)}";
    }

    private static async Task<string> SessionCaseAsync(Random random, SessionConnection session, int maxMessageBytes, IReadOnlyList<byte[]> secrets)
    {
        int which = random.Next(6);
        var batch = SessionBatch(which);
        int target = random.Next(batch.Count);
        var mutation = ProtocolMutator.Mutate(random, batch[target], startup: false, maxMessageBytes);
        byte[] original = batch[target];
        batch[target] = mutation.Bytes;
        byte[] bytes = [.. batch.SelectMany(m => m)];
        string name = $"{(char)original[0]}:{mutation.Kind}";

        if (!mutation.KeepsFraming)
        {
            // The server can no longer find the message boundaries: a connection of its own, closed after sending.
            using var client = await session.LoginAsync();
            bool unknownType = mutation.Kind == "unknown type";
            if (unknownType)
            {
                // Always fatal, so the server ends the connection by itself. (A client that half-closes after pending
                // messages may get no answer at all: the server sees the end of the stream and drops the session.)
                await client.SendAsync(bytes);
                if (!await client.ReadToEndAsync(AnswerTimeout))
                {
                    throw new InvalidOperationException($"an unknown message type 0x{mutation.Bytes[0]:x2} left the connection open");
                }
            }
            else
            {
                await SendThenHangUpAsync(client, bytes);
            }

            var messages = Judge(client, name, secrets, startupAnswer: false);
            if (unknownType && !messages.Skip(session.LoginMessages).Any(m => m.Type == (byte)BackendMessageType.ErrorResponse && ErrorCode(m.Payload) == SqlState.ProtocolViolation))
            {
                string answers = string.Concat(messages.Skip(session.LoginMessages).Select(m => (char)m.Type));
                throw new InvalidOperationException($"an unknown message type 0x{mutation.Bytes[0]:x2} (message {target} of batch {which}) after login got no ErrorResponse, only '{answers}'");
            }

            return $"session    {name,-22} {Outcome(messages)}";
        }

        // The boundaries hold, so every Query and Sync of the batch must be answered with ReadyForQuery, or the connection closed.
        var connection = await session.CurrentAsync();
        int expected = batch.Count(m => m[0] is (byte)'Q' or (byte)'S');
        int ready = 0;
        bool closed = false;
        await connection.SendAsync(bytes);
        while (ready < expected && !closed)
        {
            BackendMessage message;
            try
            {
                message = await connection.ReadAsync(AnswerTimeout);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"{name}: no ReadyForQuery for a Sync within {AnswerTimeout.TotalSeconds:0} s");
            }
            catch (IOException)
            {
                closed = true;
                break;
            }

            closed = message.Type == (BackendMessageType)'X';
            ready += message.Type == BackendMessageType.ReadyForQuery ? 1 : 0;
        }

        var answer = Judge(connection, name, secrets, startupAnswer: false, from: session.JudgedUpTo);
        session.JudgedUpTo = connection.Received.Length;
        if (closed)
        {
            session.Drop();
            return $"session    {name,-22} framed, {Outcome(answer)}";
        }

        return $"session    {name,-22} framed, answered";
    }

    /// <summary>Valid batches: a mutation of one of their messages is the case.</summary>
    private static List<byte[]> SessionBatch(int which)
    {
        var messages = new List<byte[]>();
        void Add(Action<ArrayBufferWriter<byte>> write)
        {
            var buffer = new ArrayBufferWriter<byte>();
            write(buffer);
            messages.Add(buffer.WrittenSpan.ToArray());
        }

        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        switch (which)
        {
            case 0:
                Add(b => FrontendMessageWriter.WriteQuery(b, "select count(*) from tasks where team_id = 'team-1'"));
                break;
            case 1:
                Add(b => FrontendMessageWriter.WriteQuery(b, "select 1; select 'ünï'::text, now()"));
                break;
            case 2:
                Add(b => FrontendMessageWriter.WriteParse(b, "", "select title, priority from tasks where team_id = $1 order by task_id limit 3", [25]));
                Add(b => FrontendMessageWriter.WriteBind(b, "", "", [FormatCode.Text], [Utf8("team-2")], [FormatCode.Binary]));
                Add(b => FrontendMessageWriter.WriteDescribe(b, StatementOrPortal.Portal, ""));
                Add(b => FrontendMessageWriter.WriteExecute(b, "", 0));
                Add(FrontendMessageWriter.WriteSync);
                break;
            case 3:
                byte[] fortyOne = new byte[4];
                BinaryPrimitives.WriteInt32BigEndian(fortyOne, 41);
                Add(b => FrontendMessageWriter.WriteParse(b, "fz", "select $1::int4 + 1", [23]));
                Add(b => FrontendMessageWriter.WriteBind(b, "p", "fz", [FormatCode.Binary], [fortyOne], []));
                Add(b => FrontendMessageWriter.WriteExecute(b, "p", 1));
                Add(b => FrontendMessageWriter.WriteClose(b, StatementOrPortal.Statement, "fz"));
                Add(FrontendMessageWriter.WriteSync);
                break;
            case 4:
                Add(b => FrontendMessageWriter.WriteParse(b, "", "/* shard_key='team-3' */ select count(*) from users where team_id in (select $1::text)", [0]));
                Add(b => FrontendMessageWriter.WriteBind(b, "", "", [], [Utf8("team-3")], []));
                Add(b => FrontendMessageWriter.WriteExecute(b, "", 0));
                Add(FrontendMessageWriter.WriteSync);
                break;
            default:
                Add(b => FrontendMessageWriter.WriteParse(b, "", "select pg_catalog.version()", []));
                Add(b => FrontendMessageWriter.WriteDescribe(b, StatementOrPortal.Statement, ""));
                Add(FrontendMessageWriter.WriteFlush);
                Add(FrontendMessageWriter.WriteSync);
                break;
        }

        return messages;
    }

    private static async Task SendThenHangUpAsync(RawWireClient client, byte[] bytes)
    {
        try
        {
            await client.SendAsync(bytes);
            client.ShutdownSend();
        }
        catch (IOException)
        {
            // The server closed the connection before reading everything (an oversized length, a fatal error): dropped.
        }
        catch (System.Net.Sockets.SocketException)
        {
        }

        if (!await client.ReadToEndAsync(AnswerTimeout))
        {
            throw new InvalidOperationException($"the server kept the connection open {AnswerTimeout.TotalSeconds:0} s after the client hung up");
        }
    }

    /// <summary>
    /// Every byte the server sent on <paramref name="client"/>: well-formed messages (after one SSL/GSS answer byte on a
    /// start-up connection), none holding a secret. Returns the messages as (type, payload).
    /// </summary>
    private static List<(byte Type, byte[] Payload)> Judge(RawWireClient client, string what, IReadOnlyList<byte[]> secrets, bool startupAnswer, int from = 0)
    {
        // From a message boundary: a long-lived connection is judged a batch at a time.
        ReadOnlySpan<byte> received = client.Received[from..];
        foreach (byte[] secret in secrets)
        {
            if (received.IndexOf(secret) >= 0)
            {
                throw new InvalidOperationException($"{what}: the server sent a secret ({secret.Length} bytes) to the client");
            }
        }

        var messages = new List<(byte, byte[])>();
        int at = startupAnswer && received.Length > 0 && received[0] is (byte)'N' or (byte)'S' ? 1 : 0;
        while (at < received.Length)
        {
            if (received.Length - at < 5)
            {
                throw new InvalidOperationException($"{what}: the server sent {received.Length - at} stray bytes");
            }

            int length = BinaryPrimitives.ReadInt32BigEndian(received[(at + 1)..]);
            if (length < 4 || received.Length - at - 1 < length)
            {
                throw new InvalidOperationException($"{what}: the server sent a malformed message '{(char)received[at]}' of length {length}");
            }

            messages.Add((received[at], received.Slice(at + 5, length - 4).ToArray()));
            at += 1 + length;
        }

        return messages;
    }

    private static string Outcome(List<(byte Type, byte[] Payload)> messages)
    {
        var last = messages.LastOrDefault(m => m.Type == (byte)BackendMessageType.ErrorResponse);
        return last.Payload is null ? "dropped" : "error " + ErrorCode(last.Payload);
    }

    private static string ErrorCode(byte[] payload)
    {
        for (int at = 0; at < payload.Length && payload[at] != 0;)
        {
            int end = Array.IndexOf(payload, (byte)0, at + 1);
            if (end < 0)
            {
                break;
            }

            if (payload[at] == (byte)'C')
            {
                return Encoding.UTF8.GetString(payload, at + 1, end - at - 1);
            }

            at = end + 1;
        }

        return "?";
    }

    private static bool IsAuthenticationOk((byte Type, byte[] Payload) message) =>
        message.Type == (byte)BackendMessageType.Authentication && message.Payload.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(message.Payload) == 0;

    private static async Task<AuthenticationRequest> ExpectAuthenticationAsync(RawWireClient client, AuthenticationRequestType type)
    {
        var message = await client.ReadAsync(AnswerTimeout);
        Assert.Equal(BackendMessageType.Authentication, message.Type);
        var request = BackendMessageDecoder.DecodeAuthentication(message);
        Assert.Equal(type, request.Type);
        return request;
    }

    /// <summary>Keyed reads on a well-behaved client for as long as the fuzz runs; every one must return the right count.</summary>
    private static async Task<(int Reads, List<string> Failures)> HealthyClientAsync(NpgsqlDataSource source, long expected, CancellationToken stop)
    {
        int reads = 0;
        var failures = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var command = source.CreateCommand("select count(*) from tasks where team_id = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = "team-1" });
                long count = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
                if (count != expected)
                {
                    failures.Add($"read {count} tasks, expected {expected}");
                }

                reads++;
                await Task.Delay(25, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                failures.Add(e.Message);
            }
        }

        return (reads, failures);
    }

    /// <summary>
    /// What must never reach a client: the API keys, their SHA-256 and SCRAM verifiers (StoredKey and ServerKey, in
    /// base64 and raw), the token signing key and every password DataTier uses to reach the catalog and the nodes.
    /// </summary>
    private List<byte[]> Secrets(WireServer wire)
    {
        var texts = new List<string> { fixture.Manifest.Keys.Admin, fixture.Manifest.Keys.App, fixture.Manifest.Keys.Reader, fixture.Manifest.AdminPassword, fixture.Manifest.TokenSigningKey };
        var raw = new List<byte[]>();
        foreach (var (key, value) in wire.Server.Services.GetRequiredService<IConfiguration>().AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            if (key.EndsWith(":ScramSha256", StringComparison.OrdinalIgnoreCase) && ScramVerifier.TryParsePostgresFormat(value, out var verifier))
            {
                texts.Add(value);
                texts.Add(Convert.ToBase64String(verifier.StoredKey.Span));
                texts.Add(Convert.ToBase64String(verifier.ServerKey.Span));
                raw.Add(verifier.StoredKey.ToArray());
                raw.Add(verifier.ServerKey.ToArray());
            }
            else if (key.EndsWith(":Sha256", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":Password", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":SigningKey", StringComparison.OrdinalIgnoreCase))
            {
                texts.Add(value);
            }
            else if (value.Contains("Password=", StringComparison.OrdinalIgnoreCase))
            {
                texts.Add(new NpgsqlConnectionStringBuilder(value).Password ?? "");
            }
        }

        var secrets = texts.Where(t => t.Length >= 8).Distinct().Select(Encoding.UTF8.GetBytes).Concat(raw).ToList();
        Assert.True(secrets.Count >= 12, $"only {secrets.Count} secrets found to look for");
        return secrets;
    }

    /// <summary>One worker's logged-in connection, reused while the cases keep the framing and the server keeps it open.</summary>
    private sealed class SessionConnection(WireServer wire, ClusterFixture fixture)
    {
        private RawWireClient? _current;

        public int Port => wire.Port;

        /// <summary>How many messages a login receives (authentication to ReadyForQuery), known after the first login.</summary>
        public int LoginMessages { get; private set; }

        public async Task<RawWireClient> LoginAsync()
        {
            var client = await RawWireClient.LoginAsync(wire.Port, "app", fixture.Manifest.Keys.App);
            if (LoginMessages == 0)
            {
                LoginMessages = Judge(client, "login", [], startupAnswer: false).Count;
            }

            return client;
        }

        /// <summary>How far <see cref="CurrentAsync"/>'s received bytes have been judged.</summary>
        public int JudgedUpTo { get; set; }

        public async Task<RawWireClient> CurrentAsync() => _current ??= await LoginAsync();

        public void Drop()
        {
            _current?.Dispose();
            _current = null;
            JudgedUpTo = 0;
        }
    }
}
