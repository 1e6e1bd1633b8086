namespace DataTier.Server.Problems;

/// <summary>One problem code: the statuses it is answered with, a title and what it means for the caller.</summary>
/// <param name="Code">The last segment of the problem's <c>type</c> URI (<c>https://datatier.dev/problems/&lt;code&gt;</c>).</param>
/// <param name="Statuses">The HTTP statuses the code is answered with (most have one).</param>
/// <param name="Area">Which part of the API answers it.</param>
/// <param name="Title">A short summary.</param>
/// <param name="Explanation">What happened and what the caller can do about it.</param>
public sealed record ProblemEntry(string Code, IReadOnlyList<int> Statuses, ProblemArea Area, string Title, string Explanation);
