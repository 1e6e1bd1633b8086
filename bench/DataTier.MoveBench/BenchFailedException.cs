namespace DataTier.MoveBench;

/// <summary>The run cannot go on (a refused request, a failed or overdue move); the message says what happened.</summary>
internal sealed class BenchFailedException(string message) : Exception(message);
