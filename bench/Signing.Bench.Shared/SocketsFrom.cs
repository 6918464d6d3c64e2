using System.Net;
using System.Net.Sockets;

namespace Signing.Bench;

/// <summary>
/// Connections that leave from a chosen local address (e.g. 127.0.0.2 towards a server on 127.0.0.1), so a server on
/// loopback sees a second client address: for SocketsHttpHandler.ConnectCallback.
/// </summary>
public static class SocketsFrom
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Address(IPAddress local) => async (context, ct) =>
    {
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
