using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Authentication;

/// <summary>The result of one step of a <see cref="ScramServerExchange"/>: a message to send, or a failure to report.</summary>
/// <param name="Outcome">What to do next.</param>
/// <param name="Message">server-first-message (Continue) or server-final-message (Succeeded); empty when Failed.</param>
/// <param name="SqlState">For a failure: 28P01 for a wrong password, 08P01 for a malformed message, 0A000 for an unsupported feature.</param>
/// <param name="FailureReason">For a failure: what was wrong, for the server's log. Sent to the client only for malformed messages.</param>
public readonly record struct ScramServerStep(ScramStepOutcome Outcome, ReadOnlyMemory<byte> Message, string? SqlState, string? FailureReason)
{
    /// <summary>True when the exchange failed.</summary>
    public bool IsFailure => Outcome == ScramStepOutcome.Failed;

    /// <summary>
    /// The FATAL ErrorResponse for a failed step. A wrong password gets PostgreSQL's wording and no reason, so a
    /// client cannot tell a wrong password from an unknown user; a malformed message gets its reason as the detail.
    /// </summary>
    public PostgresErrorFields ToErrorFields(string userName)
    {
        if (!IsFailure)
        {
            throw new InvalidOperationException($"the SCRAM step did not fail (outcome {Outcome})");
        }

        if (SqlState == Protocol.SqlState.InvalidPassword)
        {
            return PostgresErrorFields.Fatal(Protocol.SqlState.InvalidPassword, $"password authentication failed for user \"{userName}\"");
        }

        if (SqlState == Protocol.SqlState.ProtocolViolation)
        {
            return PostgresErrorFields.Fatal(Protocol.SqlState.ProtocolViolation, "malformed SCRAM message") with { Detail = FailureReason };
        }

        return PostgresErrorFields.Fatal(SqlState ?? Protocol.SqlState.ProtocolViolation, FailureReason ?? "SCRAM authentication failed");
    }

    internal static ScramServerStep Continue(byte[] message) => new(ScramStepOutcome.Continue, message, null, null);

    internal static ScramServerStep Succeeded(byte[] message) => new(ScramStepOutcome.Succeeded, message, null, null);

    internal static ScramServerStep Fail(string sqlState, string reason) => new(ScramStepOutcome.Failed, ReadOnlyMemory<byte>.Empty, sqlState, reason);
}
