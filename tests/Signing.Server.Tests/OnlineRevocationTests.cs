using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Signing.Contracts.V1;
using Signing.HsmSim;
using Signing.Server.Tests.Infrastructure;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Server.Tests;

[CollectionDefinition(PkiWorld.Collection)]
public sealed class PkiWorldCollection : ICollectionFixture<PkiServices>;

/// <summary>
/// The world's server with no CRL file at all: every answer it rests on comes over HTTP from the world's `hsm-sim serve`
/// (OCSP named in each certificate's AIA, CRLs at their distribution points), with short backoffs so a recovery shows
/// within seconds.
/// </summary>
public class NetworkRevocationServer : SigningServer
{
    private readonly string _directory = Directory.CreateTempSubdirectory("signing-online-revocation-").FullName;

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        var model = WorldTrust.Model(LocalWorld.LoadManifest()) with { Crls = [] };
        var trust = Path.Combine(_directory, WorldTrust.FileName);
        File.WriteAllText(trust, TrustConfiguration.Serialize(model));
        settings["Signing:TrustConfiguration"] = trust;
        settings["Signing:Revocation:RetryInitial"] = "00:00:01";
        settings["Signing:Revocation:RetryMaximum"] = "00:00:02";
        settings["Signing:Revocation:MinimumInterval"] = "00:00:01";
        settings["Signing:Revocation:UnhealthyAfterFailing"] = "00:00:01";
        settings["Signing:Revocation:OnDemandTimeout"] = "00:00:05";
    }

    /// <summary>What the server's revocation health says is wrong (for failure messages).</summary>
    public string RevocationProblems() =>
        string.Join("; ", App!.Services.GetRequiredService<Signing.Revocation.RevocationRefresher>().Health().Problems);

    public async Task<long> OcspAnswersStoredAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from signing.revocation_ocsp", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// OCSP first, CRL fallback, and nothing at all: with every source down a fresh server answers sign-in, an e-signed
/// submission and a decision with UNAVAILABLE and RetryInfo, health names the failing source, and once the world is
/// back the same server recovers without a restart; then with only the OCSP responder down a certificate not seen
/// before passes on the CRL. One test: its server must have fetched nothing before the world goes down.
/// </summary>
[Collection(PkiWorld.Collection)]
public sealed class OnlineRevocationTests(NetworkRevocationServer server, PkiServices pki) : IClassFixture<NetworkRevocationServer>
{
    private static async Task Unavailable(Func<Task> call)
    {
        var status = await Rpc.Refused(StatusCode.Unavailable, call, "REVOCATION_UNAVAILABLE");
        Assert.NotNull(status.GetDetail<RetryInfo>());
    }

    private async Task<HealthCheckResponse> RevocationHealthAsync() =>
        await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest { Service = "revocation" });

    /// <summary>Polls until <paramref name="condition"/> holds; the limit is generous and only stops a hung test.</summary>
    private async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"never happened: {what} (revocation health: {server.RevocationProblems()})");
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task Both_down_is_UNAVAILABLE_everywhere_then_the_world_back_recovers_and_OCSP_down_falls_back_to_the_CRL()
    {
        pki.StopWorld();
        try
        {
            await Unavailable(() => server.SignInAsync("doctor"));
            var form = Cards.Form("doctor", "33", ApplicantCategory.Doctor);
            await Unavailable(async () => await server.Applications().SubmitESignedAsync(Cards.ESigned("doctor", form), Cards.IssuedSession(Cards.Tckn("doctor"), "Ayşe Yılmaz", "applicant", null)));
            var officer = Cards.IssuedSession(Cards.Tckn("officer-mersin-1"), "Fatma Arslan", "officer", "33");
            var app = await server.SubmitApprovableAsync("33", officer);
            var document = await server.Approvals().GetDecisionDocumentAsync(
                new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, officer);
            await Unavailable(async () => await server.Approvals().DecideAsync(Scenario.Signed("officer-mersin-1", app.Id, document), officer));

            await Eventually(async () => (await RevocationHealthAsync()).Status == HealthCheckResponse.Types.ServingStatus.NotServing,
                "revocation health NOT_SERVING while every source is down");
        }
        finally
        {
            pki.RestoreWorld();
        }

        // No restart: the next attempt after the backoff finds the world again.
        await Eventually(async () =>
        {
            try
            {
                await server.SignInAsync("doctor");
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return false;
            }
        }, "sign-in succeeds once the responder is back");
        Assert.True(await server.OcspAnswersStoredAsync() > 0, "the doctor's OCSP answer is in the shared cache");
        await Eventually(async () => (await RevocationHealthAsync()).Status == HealthCheckResponse.Types.ServingStatus.Serving,
            "revocation health SERVING again");

        // The responder alone down: a certificate seen for the first time rests on the sub-CA's CRL, fetched by now.
        pki.Restart(new PkiServeOptions { Ocsp = false });
        try
        {
            var before = await server.OcspAnswersStoredAsync();
            await server.SignInAsync("manager");
            Assert.Equal(before, await server.OcspAnswersStoredAsync());
        }
        finally
        {
            pki.RestoreWorld();
        }
    }

}

/// <summary>The revoked persona on a server that has no CRL file: the answer that refuses it is the world's OCSP responder's.</summary>
[Collection(PkiWorld.Collection)]
public sealed class OcspRevokedTests(NetworkRevocationServer server, PkiServices pki) : IClassFixture<NetworkRevocationServer>
{
    [Fact]
    public async Task The_revoked_persona_is_refused_on_the_OCSP_answer_with_its_revocation_time()
    {
        pki.EnsureWorld();
        var challenge = await server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
        var response = await server.Certificates().CheckCertificateAsync(new CheckCertificateRequest
        {
            ChallengeId = challenge.ChallengeId,
            Certificate = ByteString.CopyFrom(Cards.CertificateDer("doctor-revoked")),
            ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor-revoked", challenge.Nonce.ToByteArray())),
        });
        Assert.Equal("REVOKED", response.Verdict.SubIndication);
        var revokedAt = LocalWorld.LoadManifest().Persona("doctor-revoked").RevokedAt!.Value;
        Assert.Contains(response.Verdict.Reasons, r => r.Contains("OCSP") && r.Contains(revokedAt.UtcDateTime.ToString("u")));
    }
}

/// <summary><see cref="NetworkRevocationServer"/> asking no OCSP responder: every answer is a CRL from the world's serve.</summary>
public sealed class CrlOnlyServer : NetworkRevocationServer
{
    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        base.AddSettings(settings);
        settings["Signing:Revocation:FetchOcsp"] = "false";
    }

    public IReadOnlyList<ParsedCrl> HeldCrls() => App!.Services.GetRequiredService<Signing.Revocation.MemoryRevocationSource>().Crls;
}

/// <summary>
/// CRLs that live four seconds: the server works on the one it fetched, and keeps working past that CRL's nextUpdate
/// because the background refresh fetched the next one before it lapsed.
/// </summary>
[Collection(PkiWorld.Collection)]
public sealed class ShortLivedCrlTests(CrlOnlyServer server, PkiServices pki) : IClassFixture<CrlOnlyServer>
{
    [Fact]
    public async Task The_server_keeps_working_past_a_short_lived_CRLs_nextUpdate()
    {
        pki.Restart(new PkiServeOptions { Ocsp = false, OpensslOcsp = false, CrlValidity = TimeSpan.FromSeconds(4) });
        try
        {
            var subCa = ParsedCertificate.FromFile(LocalWorld.LoadManifest().Pki.NesSubCaCertificate)[0];
            ParsedCrl? SubCaCrl() => server.HeldCrls().Where(c => c.Issuer.Equivalent(subCa.Subject, true))
                .OrderByDescending(c => c.CrlNumber).FirstOrDefault();

            // The first sign-ins fetch the sub-CA's CRL; wait until the one held is a short-lived one of this serve.
            var until = DateTime.UtcNow.AddSeconds(60);
            ParsedCrl? first = null;
            while (first is null)
            {
                try
                {
                    await server.SignInAsync("doctor");
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    // The serve was just restarted: a fetch that met it down waits out its backoff.
                }
                if (SubCaCrl() is { NextUpdate: { } next } held && next - held.ThisUpdate <= TimeSpan.FromSeconds(4))
                    first = held;
                else
                {
                    Assert.True(DateTime.UtcNow < until, "no short-lived CRL was fetched");
                    await Task.Delay(500);
                }
            }

            while (DateTime.UtcNow <= first.NextUpdate!.Value.AddSeconds(1))
                await Task.Delay(250);

            await server.SignInAsync("doctor");
            var now = SubCaCrl()!;
            Assert.True(now.CrlNumber!.CompareTo(first.CrlNumber) > 0, $"the CRL held is still number {now.CrlNumber}");
            Assert.True(now.NextUpdate > DateTime.UtcNow.AddSeconds(-1), $"the CRL held lapsed at {now.NextUpdate:u}");
        }
        finally
        {
            pki.RestoreWorld();
        }
    }
}
