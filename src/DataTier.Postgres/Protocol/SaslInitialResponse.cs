namespace DataTier.Postgres.Protocol;

/// <summary>SASLInitialResponse 'p': the mechanism the client chose and its first message (client-first-message for SCRAM).</summary>
/// <param name="Mechanism">The chosen mechanism, e.g. "SCRAM-SHA-256".</param>
/// <param name="Data">A copy of the initial response; empty when absent (see <paramref name="HasData"/>).</param>
/// <param name="HasData">False when the client sent length -1: no initial response.</param>
public readonly record struct SaslInitialResponse(string Mechanism, ReadOnlyMemory<byte> Data, bool HasData);
