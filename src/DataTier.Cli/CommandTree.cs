using DataTier.Cli.Commands;
using DataTier.CommandLine;

namespace DataTier.Cli;

/// <summary>Every <c>datatier</c> command, as one System.CommandLine tree; each command's options and examples live beside its code.</summary>
internal static class CommandTree
{
    public static CommandLineRunner Build()
    {
        var target = new AdminTarget();
        var dev = new DocumentedCommand("dev", "The local dev cluster: start it, show it, stop it, add or remove a shard.",
            "datatier dev up",
            "datatier dev status --json",
            "datatier dev down")
        {
            DevUpCommand.Build(),
            DevStatusCommand.Build(),
            DevDownCommand.Build(),
            DevShardCommand.Build(),
        };

        var root = new DocumentedCommand("datatier", "DataTier's command line: the local dev cluster, migrations, index advice, shards and rebalancing.",
            "datatier dev up --json",
            "datatier rebalance plan --help",
            "datatier shard add s3 --primary \"Host=...;Database=datatier;...\" && datatier rebalance run")
        {
            Notes = ExitCodes.Help + "\n" + $"""

                Environment:
                  {CliEnvironment.DevDirVariable}     the dev cluster's directory (default <repo>/.dev); --dir overrides it
                  {CliEnvironment.ServerDllVariable}  the server dll 'dev up' starts (./datatier sets it); --server-dll overrides it
                  DATATIER_ADMIN_KEY   the admin key when --key is not given (with --server)

                'datatier help COMMAND...' is 'datatier COMMAND... --help'.
                """,
        };
        root.Subcommands.Add(dev);
        root.Subcommands.Add(MigrateCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(AdviseCommand.Build(target));
        root.Subcommands.Add(ShardCommand.Build(target));
        root.Subcommands.Add(RebalanceCommand.Build(target));
        return new CommandLineRunner(root, ExitCodes.Usage);
    }
}
