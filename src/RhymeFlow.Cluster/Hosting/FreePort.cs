using System.Net;
using System.Net.Sockets;

namespace RhymeFlow.Cluster.Hosting;

/// <summary>A TCP port free at the time of asking; the caller binds it a moment later.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
