using System.Net;
using System.Net.Sockets;

namespace Signing.Server.Limits;

/// <summary>
/// The client address a limit is counted against. Behind a trusted proxy the forwarded-headers middleware has already put
/// the client's own address on the connection. IPv6 counts by /64: one subscriber is usually given a whole /64, so
/// counting single addresses would let them rotate past every limit.
/// </summary>
public static class ClientAddress
{
    /// <summary>Connections without an IP address (in-process test host, Unix sockets) share one partition.</summary>
    public const string Unknown = "unknown";

    public static string Of(HttpContext http) => Of(http.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null)
            return Unknown;
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4().ToString();
        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
