using Google.Rpc;
using Grpc.Core;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>Asserts on refusals: the status code, the stable reason, the field, and the Turkish message being there.</summary>
public static class Rpc
{
    public static async Task<Google.Rpc.Status> Refused(StatusCode code, Func<Task> call, string? reason = null, string? field = null)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(code == e.StatusCode, $"expected {code}, got {e.StatusCode}: {e.Status.Detail}");
        var status = e.GetRpcStatus();
        Assert.NotNull(status); // rich details (google.rpc.Status) are always there
        var info = status!.GetDetail<ErrorInfo>();
        Assert.NotNull(info);
        Assert.Equal("esign.v1", info!.Domain);
        if (reason is not null)
            Assert.Equal(reason, info.Reason);
        var localized = status.GetDetail<LocalizedMessage>();
        Assert.NotNull(localized);
        Assert.Equal("tr-TR", localized!.Locale);
        Assert.False(string.IsNullOrWhiteSpace(localized.Message));
        if (field is not null)
        {
            var bad = status.GetDetail<BadRequest>();
            Assert.NotNull(bad);
            Assert.Contains(bad!.FieldViolations, v => v.Field == field);
        }
        if (code == StatusCode.FailedPrecondition)
            Assert.NotNull(status.GetDetail<PreconditionFailure>());
        return status;
    }

    public static Task<Google.Rpc.Status> Refused<T>(StatusCode code, Func<AsyncUnaryCall<T>> call, string? reason = null, string? field = null) =>
        Refused(code, async () => await call(), reason, field);
}
