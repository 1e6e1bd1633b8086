using System.Net.Sockets;

namespace DataTier.DevCluster.Processes;

/// <summary>Whether a server accepts TCP connections on a 127.0.0.1 port.</summary>
internal static class PortProbe
{
    public static async Task<bool> IsAnsweringAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
