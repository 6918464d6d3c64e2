using System.Net;
using System.Net.Http.Headers;
using Signing.TestKit;

namespace Signing.HsmSim.Tests;

/// <summary>A test takes the world's sources down one at a time, or all, and brings them back on the same ports.</summary>
[Collection(PkiWorld.Collection)]
public sealed class TakeDownTests(PkiServices pki) : IDisposable
{
    private static readonly HttpClient Http = new();

    public void Dispose() => pki.RestoreWorld();

    private async Task<HttpStatusCode> OcspStatus()
    {
        using var content = new ByteArrayContent(OcspRequests.For(pki.Manifest, "doctor", nonce: null));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var response = await Http.PostAsync(pki.Services.OcspUrl, content);
        return response.StatusCode;
    }

    private async Task<HttpStatusCode> CrlStatus()
    {
        using var response = await Http.GetAsync(pki.Services.CrlUrls["nes-subca"]);
        return response.StatusCode;
    }

    [Fact]
    public async Task OCSP_down_answers_503_while_the_CRL_still_answers_and_comes_back_on_restore()
    {
        pki.Restart(new PkiServeOptions { Ocsp = false });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await OcspStatus());
        Assert.Equal(HttpStatusCode.OK, await CrlStatus());

        pki.RestoreWorld();
        Assert.Equal(HttpStatusCode.OK, await OcspStatus());
    }

    [Fact]
    public async Task CRL_down_answers_503_while_OCSP_still_answers()
    {
        pki.Restart(new PkiServeOptions { Crl = false, OpensslOcsp = false });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await CrlStatus());
        Assert.Equal(HttpStatusCode.OK, await OcspStatus());
    }

    [Fact]
    public async Task A_stopped_world_refuses_connections_and_a_restored_one_answers_on_the_same_ports()
    {
        pki.StopWorld();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(OcspStatus);
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        Assert.NotEqual(0, OpenSsl.Run("ocsp", "-issuer", pki.Manifest.Pki.NesSubCaCertificate,
            "-cert", pki.Manifest.Persona("doctor").CertificatePath, "-url", pki.Services.OpensslOcspUrl).ExitCode);

        var ready = pki.RestoreWorld();
        Assert.Equal(pki.Services.BaseUrl, ready.BaseUrl);
        Assert.Equal(HttpStatusCode.OK, await OcspStatus());
        Assert.Equal(HttpStatusCode.OK, await CrlStatus());
    }
}
