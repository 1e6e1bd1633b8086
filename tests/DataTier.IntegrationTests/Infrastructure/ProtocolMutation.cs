namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>One mutated protocol message: its bytes, how it was made, and whether the message boundaries still hold.</summary>
/// <param name="Bytes">The message as it goes on the wire.</param>
/// <param name="Kind">The mutation, for failure messages and counts.</param>
/// <param name="KeepsFraming">
/// True when the type byte and length still describe the bytes (only the payload changed, its length fixed up): the
/// messages after it are read as sent, so a Sync after it must be answered.
/// </param>
public sealed record ProtocolMutation(byte[] Bytes, string Kind, bool KeepsFraming);
