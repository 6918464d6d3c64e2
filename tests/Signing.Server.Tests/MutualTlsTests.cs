using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>TLS by configuration, and system clients recognised by a pinned client certificate (mTLS).</summary>
public sealed class MutualTlsTests(TlsSigningServer server) : IClassFixture<TlsSigningServer>
{
    [Fact]
    public async Task A_pinned_client_certificate_makes_the_caller_a_system_client()
    {
        using var channel = server.ChannelWith(server.ClientCertificate);
        var who = await new SessionService.SessionServiceClient(channel).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal(["system"], who.Roles);
        Assert.Equal("hr", who.Name);
    }

    [Fact]
    public async Task Without_a_client_certificate_TLS_works_and_the_caller_is_not_signed_in()
    {
        var client = new SessionService.SessionServiceClient(server.Channel);
        await Rpc.Refused(StatusCode.Unauthenticated, () => client.WhoAmIAsync(new WhoAmIRequest()), "NOT_SIGNED_IN");
        // Card sign-in still works over TLS.
        var headers = await server.SignInAsync("doctor");
        Assert.Equal(["applicant"], (await client.WhoAmIAsync(new WhoAmIRequest(), headers)).Roles);
    }

    [Fact]
    public async Task An_unpinned_client_certificate_is_refused()
    {
        using var channel = server.ChannelWith(server.StrangerCertificate);
        await Rpc.Refused(StatusCode.Unauthenticated,
            () => new SessionService.SessionServiceClient(channel).WhoAmIAsync(new WhoAmIRequest()), "CLIENT_CERTIFICATE_UNKNOWN");
    }

    [Fact]
    public async Task A_pinned_client_certificate_past_its_notAfter_is_refused()
    {
        using var channel = server.ChannelWith(server.ExpiredCertificate);
        var status = await Rpc.Refused(StatusCode.Unauthenticated,
            () => new SessionService.SessionServiceClient(channel).WhoAmIAsync(new WhoAmIRequest()), "CLIENT_CERTIFICATE_EXPIRED");
        Assert.Contains("old-hr", status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["client"]);
    }

    [Fact]
    public async Task A_pinned_client_certificate_before_its_notBefore_is_refused()
    {
        using var channel = server.ChannelWith(server.FutureCertificate);
        await Rpc.Refused(StatusCode.Unauthenticated,
            () => new SessionService.SessionServiceClient(channel).WhoAmIAsync(new WhoAmIRequest()), "CLIENT_CERTIFICATE_NOT_YET_VALID");
    }
}
