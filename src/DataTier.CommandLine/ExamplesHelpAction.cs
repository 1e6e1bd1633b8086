using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace DataTier.CommandLine;

/// <summary>
/// <c>--help</c>: System.CommandLine's own help (description, usage, arguments, options, subcommands), then the
/// command's examples and notes. Its builder is not public, so the extra sections follow its output.
/// </summary>
internal sealed class ExamplesHelpAction : SynchronousCommandLineAction
{
    private readonly HelpAction _standard = new();

    // --help wins over whatever else is wrong on the line, as the standard help does.
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        _standard.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        if (parseResult.CommandResult.Command is DocumentedCommand command)
        {
            if (command.Examples.Count > 0)
            {
                output.WriteLine("Examples:");
                foreach (string example in command.Examples)
                {
                    output.WriteLine("  " + example);
                }

                output.WriteLine();
            }

            if (command.Notes is { } notes)
            {
                output.WriteLine(notes.TrimEnd());
                output.WriteLine();
            }
        }

        return 0;
    }
}
