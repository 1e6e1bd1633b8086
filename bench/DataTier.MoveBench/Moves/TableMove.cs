namespace DataTier.MoveBench.Moves;

/// <summary>One table's part of the plan the move ran: rows and estimated bytes that move.</summary>
internal sealed record TableMove(string Name, long Rows, long MovedRows, long MovedBytes);
