using System.Runtime.InteropServices;
using DataTier.DevCluster;
using Npgsql;

namespace DataTier.Cli;

/// <summary>The <c>datatier</c> command line (<see cref="CommandTree"/>), with the exit code of each way it can end.</summary>
internal static class Program
{
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

        try
        {
            return await CommandTree.Build().RunAsync(argv, stdout, stderr, cancel.Token).ConfigureAwait(false);
        }
        catch (DevClusterException e)
        {
            await stderr.WriteLineAsync("datatier: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
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
            return ExitCodes.Failed;
        }
    }
}
