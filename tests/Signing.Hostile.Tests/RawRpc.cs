using Google.Protobuf.Reflection;
using Grpc.Core;
using Signing.Contracts.V1;

namespace Signing.Hostile.Tests;

/// <summary>
/// One RPC of esign.v1 as raw bytes in and out, so a case can send wire bytes no generated client would produce
/// (invalid UTF-8 in a string field, wrong wire types, nested groups, truncation) over the ordinary gRPC channel.
/// </summary>
public sealed record RawRpc(MethodDescriptor Descriptor)
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public string Name => Descriptor.Service.Name + "." + Descriptor.Name;
    public MessageDescriptor Input => Descriptor.InputType;
    public bool Streaming => Descriptor.IsServerStreaming;

    public Method<byte[], byte[]> Method { get; } = new(
        Descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary,
        Descriptor.Service.FullName, Descriptor.Name, Bytes, Bytes);

    /// <summary>Every RPC of every esign.v1 service, in a stable order (the generators index into it).</summary>
    public static IReadOnlyList<RawRpc> All { get; } = new[]
        {
            CertificateService.Descriptor, SessionService.Descriptor, ApplicationService.Descriptor,
            ApprovalService.Descriptor, DeliveryService.Descriptor,
        }
        .SelectMany(s => s.Methods)
        .Select(m => new RawRpc(m))
        .ToList();

    public override string ToString() => Name;
}
