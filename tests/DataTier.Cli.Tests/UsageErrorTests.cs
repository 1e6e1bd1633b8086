using System.CommandLine;

namespace DataTier.Cli.Tests;

/// <summary>A wrong command line exits 2 (ExitCodes.Usage) with the error and the command's usage on stderr, and runs nothing.</summary>
public sealed class UsageErrorTests
{
    public static TheoryData<string, string> EveryCommand() => Tools.EveryCommand();

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task An_unknown_option_exits_2_with_the_usage_on_stderr(string tool, string path)
    {
        var (code, stdout, stderr) = await Tools.RunAsync(tool, [.. Tools.Split(path), "--no-such-option"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains("'--no-such-option'", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:\n  " + (path.Length == 0 ? tool : $"{tool} {path}"), stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task A_missing_required_argument_option_or_command_exits_2_with_the_usage(string tool, string path)
    {
        var runner = Tools.Build(tool);
        var command = runner.Commands().Single(c => string.Join(' ', c.Path) == path).Command;
        bool needsSomething = command.Action is null
            || command.Arguments.Any(a => a.Arity.MinimumNumberOfValues > 0)
            || command.Options.Any(o => o.Required);
        if (!needsSomething)
        {
            // Runs as it stands (e.g. 'dev up'): nothing to leave out. It must still parse cleanly with nothing after it.
            Assert.Empty(DataTier.CommandLine.CommandLineRunner.Errors(runner.Parse(Tools.Split(path))));
            return;
        }

        var (code, stdout, stderr) = await Tools.RunAsync(tool, Tools.Split(path));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Matches("Required (argument|command|option)|Option '--[a-z-]+' is required", stderr);
        Assert.Contains("Usage:\n  " + (path.Length == 0 ? tool : $"{tool} {path}"), stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev up --rows 1e5", "--rows is '1e5'; it must be a whole number from 0 to 50000000.")]
    [InlineData("dev up --shards 17", "--shards is '17'; it must be a whole number from 1 to 16.")]
    [InlineData("dev shard add --weight 0", "--weight is 0; it must be above 0 and at most 100.")]
    [InlineData("dev shard add --weight heavy", "--weight is 'heavy'")]
    [InlineData("rebalance run --max-write-pause-ms 10", "--max-write-pause-ms is '10'; it must be a whole number from 50 to 60000.")]
    [InlineData("rebalance status 0", "Move id '0' is not a positive whole number")]
    [InlineData("rebalance status seven", "Move id 'seven' is not a positive whole number")]
    [InlineData("rebalance cancel", "Required argument missing")]
    [InlineData("rebalance approve", "Required argument missing")]
    [InlineData("shard add s3", "Option '--primary' is required.")]
    [InlineData("shard weight s2", "Required argument missing")]
    [InlineData("shard weight s2 heavy", "'heavy'")]
    [InlineData("shard switchover", "Required argument missing")]
    [InlineData("migrate", "Required command was not provided.")]
    [InlineData("migrate catalog --shard x", "'--shard'")]
    [InlineData("migrate everything", "'everything'")]
    [InlineData("nonsense", "'nonsense'")]
    [InlineData("", "Required command was not provided.")]
    public async Task A_wrong_line_names_what_is_wrong_and_exits_2(string line, string message)
    {
        var (code, stdout, stderr) = await Tools.RunAsync(Tools.Cli, Tools.Split(line));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_given_values_it_cannot_use_exits_2_not_1()
    {
        // Parsed, then refused by the action before it touches anything: an unparsable connection string.
        var (code, _, stderr) = await Tools.RunAsync(Tools.Cli, "migrate", "shards", "--shard", "Host=h;NoSuchKeyword=1", "--dry-run");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("Not a valid Npgsql connection string", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:\n  datatier migrate shards", stderr, StringComparison.Ordinal);
    }
}
