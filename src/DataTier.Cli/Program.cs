using System.Runtime.InteropServices;
using DataTier.Cli.Arguments;
using DataTier.Cli.Commands;
using DataTier.DevCluster;
using Npgsql;

namespace DataTier.Cli;

/// <summary>The <c>datatier</c> command line: the local dev cluster and migrations.</summary>
internal static class Program
{
    private static readonly string Usage = $"""
        Usage: datatier <command>

          {DevUpCommand.Usage}
              Start a local cluster (catalog, shards with streaming replicas, Redis, the server) or reuse the running one.
              --json prints only the manifest JSON on stdout; progress goes to stderr.
          {DevStatusCommand.Usage}
          {DevDownCommand.Usage}
          {DevShardCommand.Usage}
              Start one more local shard and add it to the dev server's desired topology (rows move with 'rebalance run');
              or drain a shard, move its rows away, remove it from the topology and stop it. The dev server keeps its
              topology in the catalog (DataTier:Topology:Store = Catalog).
          {MigrateCommand.Usage}
              Apply the catalog or shard migrations to the dev cluster, or to the databases given.
          {DemoCommand.Usage}
              Load the demo data set of 'dev up' into migrated shard databases this CLI did not start (docker-compose);
              a shard that already holds teams leaves everything unchanged.
          {AdviseCommand.Usage}
              Run the index advisor on the server and print (--write: write) its advice.
          {ShardCommand.Usage}
              Change the desired topology (DataTier:Topology:Store = Catalog); nothing moves until 'rebalance run'.
          {RebalanceCommand.Usage}
              What moving to the desired topology takes, counted by the shards themselves (a dry run); the
              rebalancing check, its proposals, and approving one (it sets the desired weights).
          {RebalanceMoveCommand.Usage}
              Move the rows to the desired topology online and follow the move (progress on stderr, the final
              document on stdout; --no-wait returns at once); a move's status (--wait follows it), the recent
              moves, or cancel one before its switch. Exit code 0: done; 1: failed or cancelled; 2: refused (409,
              e.g. a move already running or nothing to move).

        The dev cluster lives in <repo>/.dev unless --dir or ${CliEnvironment.DevDirVariable} says otherwise.
        """;

    public static async Task<int> Main(string[] argv)
    {
        var stdout = Console.Out;
        var stderr = Console.Error;
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl-C lets the command stop what it started; a second one ends the process.
            if (!cancel.IsCancellationRequested)
            {
                e.Cancel = true;
                cancel.Cancel();
            }
        };

        // SIGTERM (kill, a supervisor) gets the same orderly stop as Ctrl-C.
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });

        var args = new ArgumentReader(argv);
        try
        {
            string? group = args.Positional();
            switch (group)
            {
                case null:
                    await stderr.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 1;
                case "help" or "--help" or "-h":
                    await stdout.WriteLineAsync(Usage).ConfigureAwait(false);
                    return 0;
                case "dev":
                    string? verb = args.Positional();
                    return verb switch
                    {
                        "up" => await DevUpCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false),
                        "status" => await DevStatusCommand.RunAsync(args, stdout, stderr).ConfigureAwait(false),
                        "down" => await DevDownCommand.RunAsync(args, stderr, cancel.Token).ConfigureAwait(false),
                        "shard" => await DevShardCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false),
                        _ => throw new UsageException($"Unknown 'dev {verb}'. Use dev up, dev status, dev down or dev shard."),
                    };
                case "advise":
                    return await AdviseCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false);
                case "shard":
                    return await ShardCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false);
                case "rebalance":
                    return await RebalanceCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false);
                case "migrate":
                    return await MigrateCommand.RunAsync(args, stdout, stderr, cancel.Token).ConfigureAwait(false);
                case "demo":
                    return await DemoCommand.RunAsync(args, stdout, cancel.Token).ConfigureAwait(false);
                default:
                    throw new UsageException($"Unknown command '{group}'.\n{Usage}");
            }
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync("datatier: " + e.Message).ConfigureAwait(false);
            return 1;
        }
        catch (DevClusterException e)
        {
            await stderr.WriteLineAsync("datatier: " + e.Message).ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("datatier: cancelled.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync("datatier: the server could not be reached or failed: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            // HttpClient's own timeout, not Ctrl-C.
            await stderr.WriteLineAsync("datatier: the server did not answer in time: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (NpgsqlException e)
        {
            // Connection and migration failures: the database's own message is what helps.
            await stderr.WriteLineAsync("datatier: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
