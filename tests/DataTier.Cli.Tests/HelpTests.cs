using System.CommandLine;
using DataTier.CommandLine;

namespace DataTier.Cli.Tests;

/// <summary>Every command and subcommand of every tool answers <c>--help</c> with its usage and an example, and exits 0.</summary>
public sealed class HelpTests
{
    public static TheoryData<string, string> EveryCommand() => Tools.EveryCommand();

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Help_prints_the_usage_and_an_example_on_stdout_and_exits_0(string tool, string path)
    {
        string full = path.Length == 0 ? tool : $"{tool} {path}";
        foreach (string help in new[] { "--help", "-h" })
        {
            var (code, stdout, stderr) = await Tools.RunAsync(tool, [.. Tools.Split(path), help]);

            Assert.True(code == 0, $"{full} {help} exited {code}: {stderr}");
            Assert.Equal("", stderr);
            Assert.Contains("Usage:\n  " + full, stdout, StringComparison.Ordinal);
            Assert.Contains("Options:", stdout, StringComparison.Ordinal);
            int examples = stdout.IndexOf("\nExamples:\n", StringComparison.Ordinal);
            Assert.True(examples >= 0, $"{full} {help} shows no examples:\n{stdout}");
            Assert.Contains("\n  " + full, stdout[examples..], StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Every_command_is_documented_with_an_example_that_parses(string tool, string path)
    {
        var runner = Tools.Build(tool);
        var command = runner.Commands().Single(c => string.Join(' ', c.Path) == path).Command;
        var documented = Assert.IsType<DocumentedCommand>(command);
        Assert.False(string.IsNullOrWhiteSpace(documented.Description), $"'{tool} {path}' has no description");
        Assert.All(command.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description), $"{o.Name} of '{tool} {path}' has no description"));

        // The first example is the command itself, written as a user would: it must parse as this command, cleanly.
        string prefix = path.Length == 0 ? tool : $"{tool} {path}";
        string example = documented.Examples.FirstOrDefault(e => e == prefix || e.StartsWith(prefix + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"'{prefix}' has no example that starts with it: {string.Join(" | ", documented.Examples)}");
        var words = example[tool.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).TakeWhile(w => w is not (">" or "|" or "&&")).ToArray();
        var parsed = runner.Parse(words);
        var errors = CommandLineRunner.Errors(parsed);
        Assert.True(errors.Count == 0, $"'{example}': {string.Join("; ", errors)}");
        string parsedPath = runner.Commands().Single(c => c.Command == parsed.CommandResult.Command).Path is var p ? string.Join(' ', p) : "";
        Assert.True(parsedPath == path || parsedPath.StartsWith(path, StringComparison.Ordinal), $"'{example}' runs '{parsedPath}', not '{path}'");
    }

    [Fact]
    public async Task Help_in_front_of_a_command_is_its_help()
    {
        var (code, stdout, _) = await Tools.RunAsync(Tools.Cli, "help", "rebalance", "plan");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  datatier rebalance plan [options]", stdout, StringComparison.Ordinal);

        (code, stdout, _) = await Tools.RunAsync(Tools.Cli, "help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  datatier [command] [options]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_root_help_states_the_exit_codes()
    {
        var (code, stdout, _) = await Tools.RunAsync(Tools.Cli, "--help");
        Assert.Equal(0, code);
        Assert.Contains(ExitCodes.Help, stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n  0 +done\n", stdout);
        Assert.Matches(@"\n  1 +failed", stdout);
        Assert.Matches(@"\n  2 +nothing was done: the command line is wrong", stdout);
    }

    [Fact]
    public async Task Help_wins_over_a_wrong_option_on_the_same_line()
    {
        var (code, stdout, _) = await Tools.RunAsync(Tools.Cli, "dev", "up", "--no-such-option", "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  datatier dev up [options]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tree_has_the_commands_the_docs_name()
    {
        var paths = Tools.Build(Tools.Cli).Commands().Select(c => string.Join(' ', c.Path)).ToHashSet();
        string[] documented =
        [
            "dev up", "dev status", "dev down", "dev shard add", "dev shard remove", "migrate catalog", "migrate shards", "advise",
            "shard add", "shard weight", "shard drain", "shard remove", "shard verify", "shard switchover",
            "rebalance plan", "rebalance run", "rebalance status", "rebalance list", "rebalance cancel", "rebalance check", "rebalance proposals",
            "rebalance approve",
        ];
        Assert.All(documented, p => Assert.Contains(p, paths));
        Assert.Contains(Tools.Build(Tools.Cli).Commands(), c => c.Command is Command { Name: "datatier" });
    }
}
