using System.Collections.Immutable;

namespace DataTier.Postgres.Protocol;

/// <summary>A decoded Authentication 'R' message from a backend.</summary>
/// <param name="Type">Which request this is.</param>
/// <param name="Data">
/// A copy of the request's data: the 4-byte salt for MD5, the SCRAM message for SASLContinue and SASLFinal, the GSS
/// data for GSSContinue; empty otherwise.
/// </param>
/// <param name="Mechanisms">The SASL mechanisms offered (for <see cref="AuthenticationRequestType.Sasl"/>); empty otherwise.</param>
public readonly record struct AuthenticationRequest(AuthenticationRequestType Type, ReadOnlyMemory<byte> Data, ImmutableArray<string> Mechanisms);
