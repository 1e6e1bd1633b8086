namespace DataTier.MoveBench.Moves;

/// <summary>
/// When a phase of the move was first seen after the POST and how long until the next one was seen (s). Seen by
/// polling the move's document every 100 ms, and the document is what the server last stored (at some phase changes
/// and at lease renewals): the split is approximate and a phase it never stored is missing.
/// </summary>
internal sealed record PhaseTiming(string Phase, double StartSeconds, double Seconds);
