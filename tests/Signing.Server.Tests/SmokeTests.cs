using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

public sealed class SmokeTests(SigningServer server) : IClassFixture<SigningServer>
{
    [Fact]
    public async Task Doctor_signs_in_and_submits_an_e_signed_form_which_lands_on_the_queue()
    {
        var tenant = server.NewTenant();
        var headers = await server.SignInAsync("doctor");
        var client = new ApplicationService.ApplicationServiceClient(server.Channel);
        var form = Cards.Form("doctor", tenant, ApplicantCategory.Doctor);
        var response = await client.SubmitESignedAsync(Cards.ESigned("doctor", form), headers);
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);
        Assert.False(response.Replayed);
        Assert.NotEmpty(response.Receipt.Signature);
        var got = await client.GetAsync(new GetApplicationRequest { ApplicationId = response.Application.Id }, headers);
        Assert.Equal(response.Application, got);
    }
}
