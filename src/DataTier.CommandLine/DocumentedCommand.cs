using System.CommandLine;

namespace DataTier.CommandLine;

/// <summary>A command whose <c>--help</c> ends with examples (and, for a root, notes such as the exit codes).</summary>
/// <param name="name">The command's name.</param>
/// <param name="description">What it does, as its help and its parent's list show it.</param>
/// <param name="examples">Whole command lines, program name first; the first one runs this command as written.</param>
public sealed class DocumentedCommand(string name, string description, params IReadOnlyList<string> examples) : Command(name, description)
{
    /// <summary>Whole command lines, program name first; the first one runs this command as written.</summary>
    public IReadOnlyList<string> Examples { get; } = examples;

    /// <summary>Text printed after the examples (the root's exit codes and environment); null for none.</summary>
    public string? Notes { get; init; }
}
