using System.CommandLine;

namespace DataTier.Cli.Tests;

/// <summary>
/// The command lines the repository runs (the integration tests, ./datatier, bench/run, bench/move-rate, the README and
/// docs) parse as the command they meant, with the values they meant; nothing is run.
/// </summary>
public sealed class CommandLineCompatibilityTests
{
    private const string Target = "--server http://127.0.0.1:5080/ --key dt_admin_x";

    [Theory]
    [InlineData("dev up", "dev up")]
    [InlineData("dev up --json --rows 2000 --dir /tmp/d --server-dll /tmp/s.dll", "dev up")]
    [InlineData("dev up --dir /tmp/c --rows 200000 --json", "dev up")]
    [InlineData("dev up --ha", "dev up")]
    [InlineData("dev up --shards 3 --replicas 0 --rows 200_000 --no-server --no-redis --no-data", "dev up")]
    [InlineData("dev status", "dev status")]
    [InlineData("dev status --json", "dev status")]
    [InlineData("dev status --dir /tmp/c", "dev status")]
    [InlineData("dev down --dir /tmp/c", "dev down")]
    [InlineData("dev down", "dev down")]
    [InlineData("dev shard add --dir /tmp/c", "dev shard add")]
    [InlineData("dev shard add --id s3 --weight 1 --replicas 1", "dev shard add")]
    [InlineData("dev shard remove s3 --dir /tmp/c", "dev shard remove")]
    [InlineData("dev shard remove s3 --max-write-pause-ms 500", "dev shard remove")]
    [InlineData("advise", "advise")]
    [InlineData("advise --validate", "advise")]
    [InlineData("advise --write", "advise")]
    [InlineData("advise " + Target + " --write --advice-dir /tmp/a", "advise")]
    [InlineData("advise " + Target + " --validate --write --advice-dir /tmp/a", "advise")]
    [InlineData("migrate catalog", "migrate catalog")]
    [InlineData("migrate shards", "migrate shards")]
    [InlineData("migrate shards --shard Host=a;Port=1 --shard Host=b;Port=2 --advice-dir /tmp/a", "migrate shards")]
    [InlineData("migrate catalog --catalog Host=a --dry-run --dir /tmp/c", "migrate catalog")]
    [InlineData("demo load --rows 200000 --shard s1=Host=a;Port=1 --shard s2=Host=b;Port=2", "demo load")]
    [InlineData("rebalance plan", "rebalance plan")]
    [InlineData("rebalance plan --ranges", "rebalance plan")]
    [InlineData("rebalance plan " + Target, "rebalance plan")]
    [InlineData("rebalance check " + Target, "rebalance check")]
    [InlineData("rebalance proposals " + Target, "rebalance proposals")]
    [InlineData("rebalance approve 3 " + Target, "rebalance approve")]
    [InlineData("rebalance run --dir /tmp/c", "rebalance run")]
    [InlineData("rebalance run --max-write-pause-ms 1000 " + Target, "rebalance run")]
    [InlineData("rebalance run --max-write-pause-ms 500", "rebalance run")]
    [InlineData("rebalance run --no-wait " + Target, "rebalance run")]
    [InlineData("rebalance status 7 --wait " + Target, "rebalance status")]
    [InlineData("rebalance status 7", "rebalance status")]
    [InlineData("rebalance list --json " + Target, "rebalance list")]
    [InlineData("rebalance list", "rebalance list")]
    [InlineData("rebalance cancel 7", "rebalance cancel")]
    [InlineData("shard add s3 --primary Host=x;Database=datatier --weight 1 " + Target, "shard add")]
    [InlineData("shard add s3 --primary Host=x --replica Host=y " + Target, "shard add")]
    [InlineData("shard weight s2 2", "shard weight")]
    [InlineData("shard drain s3 " + Target, "shard drain")]
    [InlineData("shard remove s3 " + Target, "shard remove")]
    [InlineData("shard verify " + Target, "shard verify")]
    [InlineData("shard verify --repair " + Target, "shard verify")]
    [InlineData("shard verify --repair --json", "shard verify")]
    [InlineData("shard switchover s2 " + Target, "shard switchover")]
    [InlineData("shard switchover nope " + Target, "shard switchover")]
    [InlineData("shard switchover s1 --to s1-replica1", "shard switchover")]
    public void A_command_line_in_use_parses_as_that_command(string line, string command) =>
        AssertParses(Tools.Cli, line.Split(' '), command);

    [Fact]
    public void Values_bind_as_the_old_reader_read_them()
    {
        var runner = Tools.Build(Tools.Cli);

        var up = AssertParses(Tools.Cli, ["dev", "up", "--rows=200_000", "--json", "--dir", "/tmp/c"], "dev up", runner);
        Assert.Equal(200_000, up.GetValue<int?>("--rows"));
        Assert.True(up.GetValue<bool>("--json"));
        Assert.Equal("/tmp/c", up.GetValue<string?>("--dir"));
        Assert.Equal(2, up.GetValue<int?>("--shards"));

        var migrate = AssertParses(Tools.Cli, ["migrate", "shards", "--shard", "Host=a", "--shard=Host=b"], "migrate shards", runner);
        Assert.Equal(["Host=a", "Host=b"], migrate.GetValue<string[]>("--shard")!);

        var status = AssertParses(Tools.Cli, ["rebalance", "status", "--wait", "12", "--server", "http://127.0.0.1:1/"], "rebalance status", runner);
        Assert.Equal(12L, status.GetValue<long>("ID"));
        Assert.True(status.GetValue<bool>("--wait"));
        Assert.Equal("http://127.0.0.1:1/", status.GetValue<string?>("--server"));

        var weight = AssertParses(Tools.Cli, ["shard", "weight", "s2", "1.5"], "shard weight", runner);
        Assert.Equal(1.5, weight.GetValue<double>("WEIGHT"));

        // A value that starts with '@' is a value, not a response file.
        var key = AssertParses(Tools.Cli, ["advise", "--key", "@not-a-file"], "advise", runner);
        Assert.Equal("@not-a-file", key.GetValue<string?>("--key"));
    }

    [Fact]
    public void Bench_run_and_bench_compare_lines_parse()
    {
        // bench/run's calls, argument for argument, with the values it fills in.
        AssertParses(Tools.LoadReport,
        [
            "prepare", "--manifest", "/tmp/w/manifest.json", "--data", "/tmp/w/data",
            "--pgpool-dir", "/tmp/w/pgpool", "--pgpool-port", "15432", "--pgpool-children", "70",
            "--pgbouncer-dir", "/tmp/w/pgbouncer", "--pgbouncer-port", "16432", "--pgbouncer-pool-size", "20",
        ], "prepare");
        var run = AssertParses(Tools.LoadReport,
        [
            "run", "--manifest", "/tmp/w/manifest.json", "--data", "/tmp/w/data", "--load-dir", "/repo/bench/load",
            "--cache-off-url", "http://127.0.0.1:15081", "--pgpool-port", "15432",
            "--server-pid", "101", "--cache-off-pid", "102",
            "--redis-pid", "0", "--postgres-pids", "201,202,203,204,205",
            "--pgpool-pid", "103", "--duration", "20", "--out", "/repo/reports", "--stamp", "20261204T120000Z", "--rows", "200000", "--commit", "abc1234+changes",
            "--cache-off-wire-port", "15433", "--pgbouncer-port", "16432", "--pgbouncer-pid", "104",
            "--pgbouncer-pool-size", "20",
            "--server-settings", "DataTier:RateLimit:RequestsPerSecond=0 (rate limiter off); DataTier:Postgres:BackendPoolSize=20 (= PgBouncer's default_pool_size)",
            "--ceiling-url", "http://127.0.0.1:15090", "--server-dll", "/repo/s.dll", "--server-config", "/tmp/w/cluster/server.json",
            "--smoke", "--only", "point-read,wire-read",
        ], "run");
        Assert.Equal("201,202,203,204,205", run.GetValue<string?>("--postgres-pids"));
        Assert.StartsWith("DataTier:RateLimit", run.GetValue<string?>("--server-settings"), StringComparison.Ordinal);
        Assert.True(run.GetValue<bool>("--smoke"));

        AssertParses(Tools.LoadReport, ["compare", "reports/performance_baseline.json", "reports/new.json"], "compare");
        AssertParses(Tools.LoadReport, ["compare", "a.json", "b.json", "--threshold", "15"], "compare");
        AssertParses(Tools.LoadReport, ["report", "a.json", "--out", "/tmp/o"], "report");
    }

    [Fact]
    public void Bench_move_rate_lines_parse()
    {
        // bench/move-rate's calls, and the tool with no command, which runs the bench as before.
        AssertParses(Tools.MoveBench,
        [
            "run", "--rows", "200000", "--out", "/repo/bench/results", "--work", "/tmp/w", "--port", "15080", "--stamp", "20261204T120000Z",
            "--commit", "abc1234", "--keep-logs", "/repo/reports/tmp/move-rate-20261204T120000Z", "--no-load",
        ], "run");
        AssertParses(Tools.MoveBench, ["down", "--work", "/tmp/w"], "down");
        var bare = AssertParses(Tools.MoveBench, ["--rows", "20000", "--writers", "8"], "");
        Assert.Equal(8, bare.GetValue<int?>("--writers"));
    }

    private static ParseResult AssertParses(string tool, string[] args, string command, DataTier.CommandLine.CommandLineRunner? runner = null)
    {
        runner ??= Tools.Build(tool);
        var parsed = runner.Parse(args);
        var errors = DataTier.CommandLine.CommandLineRunner.Errors(parsed);
        Assert.True(errors.Count == 0, $"{tool} {string.Join(' ', args)}: {string.Join("; ", errors)}");
        var path = runner.Commands().Single(c => c.Command == parsed.CommandResult.Command).Path;
        Assert.Equal(command, string.Join(' ', path));
        return parsed;
    }
}
