using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace DataTier.CommandLine;

/// <summary>
/// Runs a command line against a tree of <see cref="DocumentedCommand"/>s the same way in every DataTier tool:
/// <c>--help</c> (or <c>help</c> in front of a command) prints usage and examples on stdout and exits 0; a line that
/// does not parse, or that an action rejects with <see cref="UsageException"/>, prints the error and the command's
/// usage on stderr and exits with the caller's usage code. Anything else an action throws is the caller's to handle.
/// </summary>
public sealed class CommandLineRunner
{
    // '@file' would otherwise be read as a response file: no DataTier command line uses one, and a value starting
    // with '@' must stay a value.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    private readonly DocumentedCommand _root;
    private readonly int _usageExitCode;

    /// <summary>Takes over <paramref name="root"/>'s help (adding <c>--help</c> to it if it has none).</summary>
    public CommandLineRunner(DocumentedCommand root, int usageExitCode)
    {
        _root = root;
        _usageExitCode = usageExitCode;
        if (!root.Options.OfType<HelpOption>().Any())
        {
            root.Options.Add(new HelpOption());
        }

        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new ExamplesHelpAction();
        }
    }

    /// <summary>The root command; its help option is recursive, so every command below it has <c>--help</c>.</summary>
    public DocumentedCommand Root => _root;

    /// <summary>Parses <paramref name="args"/> as <see cref="RunAsync"/> does, without running anything.</summary>
    public ParseResult Parse(IReadOnlyList<string> args) => _root.Parse(args, Parsing);

    /// <summary>Parses <paramref name="args"/> and runs the command's action; returns its exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        // 'tool help rebalance plan' is 'tool rebalance plan --help', as before this parser.
        if (args.Count > 0 && args[0] == "help")
        {
            args = [.. args.Skip(1), "--help"];
        }

        var parsed = Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Exceptions reach the caller, which maps them to exit codes; Ctrl-C and SIGTERM are the caller's too.
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        var errors = Errors(parsed);
        if (errors.Count > 0 && parsed.Action is not ExamplesHelpAction)
        {
            foreach (string error in errors)
            {
                await stderr.WriteLineAsync($"{_root.Name}: {error}").ConfigureAwait(false);
            }

            await WriteUsageAsync(parsed.CommandResult.Command, stderr).ConfigureAwait(false);
            return _usageExitCode;
        }

        try
        {
            return await parsed.InvokeAsync(invocation, ct).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"{_root.Name}: {e.Message}").ConfigureAwait(false);
            await WriteUsageAsync(parsed.CommandResult.Command, stderr).ConfigureAwait(false);
            return _usageExitCode;
        }
    }

    /// <summary>
    /// The parser's errors, and every unknown <c>--option</c> that it took as the value of an argument or option:
    /// System.CommandLine lets <c>shard drain --bogus</c> drain a shard called '--bogus'. No DataTier value starts
    /// with <c>--</c>; one that must can follow a lone <c>--</c>.
    /// </summary>
    public static IReadOnlyList<string> Errors(ParseResult parsed)
    {
        var errors = parsed.Errors.Select(e => e.Message).ToList();
        foreach (var token in parsed.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash))
        {
            if (token.Type == TokenType.Argument && token.Value.StartsWith("--", StringComparison.Ordinal))
            {
                errors.Insert(0, $"Unrecognized command or argument '{token.Value}'.");
            }
        }

        return errors.Distinct().ToList();
    }

    /// <summary>Every command of the tree, root first, each with its path of names below the root.</summary>
    public IEnumerable<(Command Command, IReadOnlyList<string> Path)> Commands()
    {
        var pending = new Stack<(Command, IReadOnlyList<string>)>();
        pending.Push((_root, []));
        while (pending.TryPop(out var next))
        {
            yield return next;
            foreach (var sub in next.Item1.Subcommands.Reverse())
            {
                pending.Push((sub, [.. next.Item2, sub.Name]));
            }
        }
    }

    // The command's own help, on stderr: the tokens that lead to it, then --help.
    private async Task WriteUsageAsync(Command command, TextWriter stderr)
    {
        var path = Commands().First(c => c.Command == command).Path;
        await stderr.WriteLineAsync().ConfigureAwait(false);
        _root.Parse([.. path, "--help"], Parsing).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
    }
}
