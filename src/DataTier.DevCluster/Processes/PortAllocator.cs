using System.Net;
using System.Net.Sockets;

namespace DataTier.DevCluster.Processes;

/// <summary>Picks free TCP ports on 127.0.0.1 by binding to port 0.</summary>
internal static class PortAllocator
{
    /// <summary>
    /// Distinct free ports: every listener stays open until all are picked, so none is handed out twice.
    /// Another program may still take one before its server binds it; the start then fails and says so.
    /// </summary>
    public static IReadOnlyList<int> Allocate(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
