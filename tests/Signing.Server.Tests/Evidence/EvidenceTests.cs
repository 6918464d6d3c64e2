using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Marten;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using Decision = Signing.Contracts.V1.Decision;
using ApplicantCategory = Signing.Contracts.V1.ApplicantCategory;

namespace Signing.Server.Tests.Evidence;

/// <summary>The server as configured by default: submissions go through group commit.</summary>
public sealed class GroupCommitEvidenceTests(SigningServer server) : EvidenceTests(server), IClassFixture<SigningServer>;

/// <summary>Each submission in a transaction of its own (group commit off).</summary>
public sealed class SingleCommitEvidenceTests(SingleCommitSigningServer server) : EvidenceTests(server), IClassFixture<SingleCommitSigningServer>;

public sealed class SingleCommitSigningServer : SigningServer
{
    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:GroupCommit:Enabled"] = "false";
}

/// <summary>
/// Over gRPC on the real PostgreSQL: every kind of submission and a decision keep, beside their event, the exact bytes
/// that were sent or used — compared with the request's bytes and the world's CRL files — and the event's hashes name
/// them; a refused request keeps nothing.
/// </summary>
public abstract class EvidenceTests(SigningServer server) : IAsyncLifetime
{
    private const string Mersin = "33";
    private readonly ApplicationService.ApplicationServiceClient _client = server.Applications();
    private DocumentStore _documents = null!;
    private EvidenceReader _evidence = null!;

    public Task InitializeAsync()
    {
        _documents = SigningStore.CreateDocumentStore(server.ConnectionString);
        _evidence = new EvidenceReader(_documents);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _documents.Dispose();
        return Task.CompletedTask;
    }

    private static readonly byte[][] CrlFiles =
        [File.ReadAllBytes(Cards.Manifest.Pki.RootCrl), File.ReadAllBytes(Cards.Manifest.Pki.NesSubCaCrl)];

    private async Task<byte[]> Blob(string? sha256, string mediaType)
    {
        Assert.NotNull(sha256);
        var stored = await _evidence.FindAsync(sha256);
        Assert.True(stored is not null, $"no blob {sha256} ({mediaType})");
        Assert.Equal(mediaType, stored.MediaType);
        Assert.Equal(sha256, Scenario.Sha256Hex(stored.Bytes));
        return stored.Bytes;
    }

    /// <summary>The report parses, carries the verdict's parts and names the same revocation data as the event, each stored byte for byte.</summary>
    private async Task AssertReportAndCrls(string? reportSha256, IReadOnlyList<RevocationEvidence> revocation)
    {
        using var report = JsonDocument.Parse(await Blob(reportSha256, EvidenceMediaTypes.Json));
        var root = report.RootElement;
        Assert.Equal("TOTAL_PASSED", root.GetProperty("indication").GetString());
        Assert.Equal("NONE", root.GetProperty("subIndication").GetString());
        Assert.NotEmpty(root.GetProperty("checks").EnumerateArray());
        Assert.All(root.GetProperty("checks").EnumerateArray(), c => Assert.NotEqual("FAILED", c.GetProperty("result").GetString()));
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("policy").GetProperty("sha256").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("policy").GetProperty("id").GetString()));
        Assert.Equal(revocation.Select(r => r.Sha256), root.GetProperty("revocation").EnumerateArray().Select(r => r.GetProperty("sha256").GetString()));

        // OCSP first: the signer rests on the world's responder (or, while another suite has it down, on the CRL), the
        // sub-CA on the root's CRL, fetched from its distribution point: perhaps newer than the world's file, same issuer.
        Assert.NotEmpty(revocation);
        foreach (var item in revocation)
        {
            Assert.NotNull(item.ThisUpdate);
            if (item.Kind == "ocsp")
            {
                var answer = Signing.Verification.ParsedOcspResponse.From(await Blob(item.Sha256, EvidenceMediaTypes.OcspResponse));
                Assert.True(answer.IsSuccessful);
                Assert.Null(item.Number);
                continue;
            }
            Assert.Equal("crl", item.Kind);
            var crl = Signing.Verification.ParsedCrl.From(await Blob(item.Sha256, EvidenceMediaTypes.Crl));
            Assert.Contains(CrlFiles, file => Signing.Verification.ParsedCrl.From(file).Issuer.Equivalent(crl.Issuer, true));
            Assert.NotNull(item.Number);
        }
    }

    private async Task<RenewalSubmitted> SubmittedAsync(Contracts.V1.Application application)
    {
        var submitted = await new ApplicationStore(_documents).GetSubmissionAsync(application.Tenant, Guid.Parse(application.Id));
        Assert.NotNull(submitted?.Evidence);
        return submitted;
    }

    [Fact]
    public async Task An_esigned_submission_keeps_the_cms_the_signed_form_the_report_and_the_crls()
    {
        var doctor = await server.SignInAsync("doctor");
        var form = Cards.Form("doctor", server.NewTenant(), ApplicantCategory.Doctor);
        var request = Cards.ESigned("doctor", form);
        var response = await _client.SubmitESignedAsync(request, doctor);

        var evidence = (await SubmittedAsync(response.Application)).Evidence!;
        Assert.Equal(request.Cms.ToByteArray(), await Blob(evidence.CmsSha256, EvidenceMediaTypes.Cms));
        Assert.Equal(Cards.Json(form), await Blob(evidence.FormSha256, EvidenceMediaTypes.Json));
        Assert.Null(evidence.EOnaySha256);
        await AssertReportAndCrls(evidence.ReportSha256, evidence.Revocation);
    }

    [Fact]
    public async Task A_detached_esigned_submission_keeps_the_form_json_it_was_sent_with()
    {
        var manager = await server.SignInAsync("manager");
        var json = Cards.Json(Cards.Form("manager", server.NewTenant(), ApplicantCategory.Manager));
        var request = new SubmitESignedRequest
        {
            Cms = ByteString.CopyFrom(Cards.Sign("manager", json, detached: true)),
            FormJson = ByteString.CopyFrom(json),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        };
        var response = await _client.SubmitESignedAsync(request, manager);

        var evidence = (await SubmittedAsync(response.Application)).Evidence!;
        Assert.Equal(request.Cms.ToByteArray(), await Blob(evidence.CmsSha256, EvidenceMediaTypes.Cms));
        Assert.Equal(json, await Blob(evidence.FormSha256, EvidenceMediaTypes.Json));
        await AssertReportAndCrls(evidence.ReportSha256, evidence.Revocation);
    }

    [Fact]
    public async Task An_eonay_submission_keeps_the_confirmation_the_form_json_the_report_and_the_crls()
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        var json = Cards.Json(form);
        var request = new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(json),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(form.Tckn, Scenario.Sha256Hex(json))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        };
        var response = await _client.SubmitWithEOnayAsync(request, server.SystemHeaders());

        var evidence = (await SubmittedAsync(response.Application)).Evidence!;
        Assert.Equal(request.EOnayConfirmation.ToByteArray(), await Blob(evidence.EOnaySha256, EvidenceMediaTypes.EOnay));
        Assert.Equal(json, await Blob(evidence.FormSha256, EvidenceMediaTypes.Json));
        Assert.Null(evidence.CmsSha256);
        await AssertReportAndCrls(evidence.ReportSha256, evidence.Revocation);
    }

    [Fact]
    public async Task A_wet_submission_keeps_its_form_json()
    {
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), server.NewTenant());
        var application = await server.SubmitWetAsync(form);

        var evidence = (await SubmittedAsync(application)).Evidence!;
        Assert.Equal(Cards.Json(form), await Blob(evidence.FormSha256, EvidenceMediaTypes.Json));
        Assert.Null(evidence.CmsSha256);
        Assert.Null(evidence.ReportSha256);
        Assert.Empty(evidence.Revocation);
    }

    [Theory]
    [InlineData(Decision.Approve)]
    [InlineData(Decision.Reject)]
    public async Task A_decision_keeps_the_document_byte_for_byte_the_officers_cms_the_report_and_the_crls(Decision decision)
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var application = await server.SubmitApprovableAsync(Mersin, officer);
        var document = await server.Approvals().GetDecisionDocumentAsync(new GetDecisionDocumentRequest
        {
            ApplicationId = application.Id, Decision = decision, Reason = decision == Decision.Reject ? "Adres eksik" : "",
        }, officer);
        var request = Scenario.Signed("officer-mersin-1", application.Id, document);
        await server.Approvals().DecideAsync(request, officer);

        await using var session = _documents.QuerySession(Mersin);
        var events = await session.Events.FetchStreamAsync(Guid.Parse(application.Id));
        var evidence = events.Select(e => e.Data).Select(d => d switch
        {
            ApprovalGiven given => given.Evidence,
            ApplicationRejected rejected => rejected.Evidence,
            _ => null,
        }).OfType<DecisionEvidence>().Single();
        Assert.Equal(request.Document.ToByteArray(), await Blob(evidence.DocumentSha256, EvidenceMediaTypes.Json));
        Assert.Equal(request.Signature.ToByteArray(), await Blob(evidence.CmsSha256, EvidenceMediaTypes.Cms));
        await AssertReportAndCrls(evidence.ReportSha256, evidence.Revocation);
    }

    [Fact]
    public async Task Refused_requests_keep_no_blob()
    {
        var doctor = await server.SignInAsync("doctor");
        var tenant = server.NewTenant();
        var first = Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor));
        await _client.SubmitESignedAsync(first, doctor);
        var officer = await server.SignInAsync("officer-mersin-1");
        var approvable = await server.SubmitApprovableAsync(Mersin, officer);
        var before = await _evidence.CountAsync();

        // A bad CMS; a replay (its report, made at another time, would be a new blob); an open renewal of the same
        // person (refused by the store after the evidence was made); a form for a directorate this server does not serve.
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(
            new SubmitESignedRequest { Cms = ByteString.CopyFromUtf8("not a CMS"), ClientRequestId = "bad-cms" }, doctor), "CMS_UNREADABLE");
        Assert.True((await _client.SubmitESignedAsync(first, doctor)).Replayed);
        await Rpc.Refused(StatusCode.AlreadyExists, () => _client.SubmitESignedAsync(
            Cards.ESigned("doctor", Cards.Form("doctor", tenant, ApplicantCategory.Doctor)), doctor));
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.SubmitESignedAsync(
            Cards.ESigned("doctor", Cards.Form("doctor", SigningServer.NotServed, ApplicantCategory.Doctor)), doctor));

        // A decision signed and verified, then refused by the store: the application moved on meanwhile (a stale version).
        var document = await server.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = approvable.Id, Decision = Decision.Reject, Reason = "Eksik" }, officer);
        var stale = Scenario.Signed("officer-mersin-1", approvable.Id, document);
        await _client.WithdrawAsync(new WithdrawRequest { ApplicationId = approvable.Id, Reason = "vazgeçti" }, server.SystemHeaders());
        await Rpc.Refused(StatusCode.Aborted, () => server.Approvals().DecideAsync(stale, officer).ResponseAsync);

        Assert.Equal(before, await _evidence.CountAsync());
    }
}
