using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Services;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// ApprovalService.GetApplicationDetail over gRPC and its REST transcoding, and the rest of what the browser desk calls
/// over REST with an officer's bearer token (delivery events, the expiring list). Mersin (33, two approvals): the doctor's
/// e-signed application and synthetic applicants; Adana (01, one approval) for an approved one.
/// </summary>
public sealed class ApplicationDetailTests(LiveSigningServer server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LiveSigningServer>
{
    private const string Mersin = "33";
    private static readonly Regex Masked = new(@"^\d{3}\*{8}$");
    private readonly ApprovalService.ApprovalServiceClient _approvals = server.Approvals();

    private HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{server.RestPort}"), DefaultRequestVersion = HttpVersion.Version11 };

    private static HttpRequestMessage Rest(HttpMethod method, string path, Metadata headers, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(headers.GetValue("authorization")!);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private async Task<string> ActorNameAsync(Metadata officer, string persona)
    {
        var me = await server.Sessions().WhoAmIAsync(new WhoAmIRequest(), officer);
        return $"{me.Name} ({Cards.Tckn(persona)[..3]}********)";
    }

    [Fact]
    public async Task An_e_signed_applications_detail_has_the_masked_form_the_passing_checks_in_both_languages_and_the_holder_status()
    {
        var doctor = await server.SignInAsync("doctor");
        var submitted = (await server.Applications().SubmitESignedAsync(
            Cards.ESigned("doctor", Cards.Form("doctor", Mersin, ApplicantCategory.Doctor)), doctor)).Application;
        var officer = await server.SignInAsync("officer-mersin-1");

        var detail = await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = submitted.Id }, officer);
        Assert.Equal(submitted.Id, detail.Application.Id);
        Assert.Equal("applicant", Assert.Single(detail.Application.History).Actor);
        Assert.Matches(Masked, detail.Form.Tckn);
        Assert.Equal(Cards.Tckn("doctor")[..3], detail.Form.Tckn[..3]);
        Assert.Equal(Cards.Form("doctor", Mersin, ApplicantCategory.Doctor).Surname, detail.Form.Surname);

        Assert.Equal(Indication.TotalPassed, detail.Verdict.Summary.Indication);
        Assert.Matches(Masked, detail.Verdict.Summary.SignerTcknMasked);
        Assert.NotNull(detail.Verdict.ValidatedAt);
        Assert.True(detail.Verdict.Checks.Count >= 5, $"only {detail.Verdict.Checks.Count} checks");
        foreach (var c in detail.Verdict.Checks)
            output.WriteLine($"{c.Name} {c.Result}: {c.Text} | {c.TextTr}");
        Assert.All(detail.Verdict.Checks.Where(c => c.Result != VerdictCheck.Types.Result.Skipped), c => Assert.True(c.Passed, $"{c.Name}: {c.Text}"));
        Assert.All(detail.Verdict.Checks, c =>
        {
            Assert.NotEqual("", c.Text);
            Assert.NotEqual("", c.TextTr);
            Assert.NotEqual(c.Name, c.TextTr); // every check the engine makes has Turkish words
        });
        var turkish = detail.Verdict.Checks.Select(c => c.TextTr).ToList();
        Assert.Contains("İmza matematiksel olarak doğrulandı", turkish);
        Assert.Contains(turkish, t => t.StartsWith("Sertifika zinciri güvenilir kök sertifikaya ulaşıyor", StringComparison.Ordinal));
        Assert.Contains(turkish, t => t.StartsWith("İptal durumu: iptal edilmemiş (", StringComparison.Ordinal));
        Assert.Contains(turkish, t => t.StartsWith("Nitelikli elektronik sertifika", StringComparison.Ordinal));

        Assert.Equal(submitted.CertificateNotAfter, detail.CertificateNotAfter);
        Assert.Contains(detail.HolderStatus, new[] { HolderStatus.Valid, HolderStatus.Expiring });
        var days = (detail.CertificateNotAfter.ToDateTimeOffset() - DateTimeOffset.UtcNow).TotalDays;
        Assert.InRange(detail.DaysLeft, (int)Math.Floor(days) - 1, (int)Math.Floor(days));
        Assert.Null(detail.Receipt); // receipts are not kept by the server
        Assert.Null(detail.PaymentReceipt); // a doctor owes no fee

        // The same over REST, as the page reads it.
        using var http = Http();
        using var response = await http.SendAsync(Rest(HttpMethod.Get, $"/v1/applications/{submitted.Id}/detail", officer));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(detail.Form.Tckn, root.GetProperty("form").GetProperty("tckn").GetString());
        Assert.Equal("applicant", root.GetProperty("application").GetProperty("history")[0].GetProperty("actor").GetString());
        Assert.Equal(detail.HolderStatus.ToString() == "Valid" ? "HOLDER_STATUS_VALID" : "HOLDER_STATUS_EXPIRING", root.GetProperty("holderStatus").GetString());
        Assert.Contains(root.GetProperty("verdict").GetProperty("checks").EnumerateArray(),
            c => c.GetProperty("textTr").GetString() == "İmza matematiksel olarak doğrulandı" && c.GetProperty("passed").GetBoolean());

        // The decision document names the applicant, so the signing agent can show it from the signed bytes.
        var document = await _approvals.GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = submitted.Id, Decision = Decision.Approve }, officer);
        using var signed = JsonDocument.Parse(document.Document.ToByteArray());
        Assert.Equal(submitted.ApplicantName, signed.RootElement.GetProperty("applicantName").GetString());
        Assert.Equal(submitted.ApplicantName, DecisionDocumentBody.TryParse(document.Document.Span)!.ApplicantName);
    }

    [Fact]
    public void A_decision_document_issued_before_the_applicants_name_was_added_still_parses()
    {
        var old = """{"type":"esign.decision","version":1,"applicationId":"7f1d3c1e-7a53-4b8e-9d7e-4b1f0c2a9e11","applicationCode":"ABCDE-FGHJK","tenant":"33","applicationVersion":2,"decision":"REJECT","reason":"eksik","officerTckn":"10000000146","officerName":"Ayşe Kaya","issuedAt":"2026-11-30T09:00:00+00:00"}""";
        var body = DecisionDocumentBody.TryParse(Encoding.UTF8.GetBytes(old));
        Assert.NotNull(body);
        Assert.Null(body.ApplicantName);
        Assert.Equal("Ayşe Kaya", body.OfficerName);
    }

    [Fact]
    public async Task An_e_Onay_applications_detail_has_the_e_Onay_checks_and_a_wet_ones_has_no_verdict()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var form = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin);
        var formJson = Cards.Json(form);
        var eonay = (await server.Applications().SubmitWithEOnayAsync(new SubmitWithEOnayRequest
        {
            FormJson = ByteString.CopyFrom(formJson),
            EOnayConfirmation = ByteString.CopyFrom(Scenario.EOnay(form.Tckn, Scenario.Sha256Hex(formJson))),
            ClientRequestId = Guid.NewGuid().ToString("N"),
        }, server.SystemHeaders())).Application;
        var detail = await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = eonay.Id }, officer);
        Assert.Equal(form.Tckn[..3] + "********", detail.Form.Tckn);
        Assert.Equal(form.DeliveryAddress, detail.Form.DeliveryAddress);
        Assert.Equal(Indication.TotalPassed, detail.Verdict.Summary.Indication);
        Assert.Contains(detail.Verdict.Checks, c => c.Name.StartsWith("eonay.", StringComparison.Ordinal) && c.Passed && c.TextTr.StartsWith("e-Onay", StringComparison.Ordinal));
        // Submitted by the portal (a system client): the history names it, not the applicant.
        Assert.NotEqual("applicant", Assert.Single(detail.Application.History).Actor);
        Assert.NotEqual("", detail.Application.History[0].Actor);

        var wetForm = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin);
        var wet = await server.SubmitWetAsync(wetForm);
        var wetDetail = await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = wet.Id }, officer);
        Assert.Null(wetDetail.Verdict);
        Assert.Equal(wetForm.Tckn[..3] + "********", wetDetail.Form.Tckn);
        Assert.Equal(wetForm.Surname, wetDetail.Form.Surname);
        Assert.Equal(ConfirmationMethod.WetSignature, wetDetail.Application.Method);
    }

    [Fact]
    public async Task A_rejected_applications_history_names_each_officer_and_the_reason()
    {
        var first = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var queued = await server.SubmitApprovableAsync(Mersin, first);
        const string reason = "Islak imza nüshalarından biri eksik";
        await server.DecideAsync("officer-mersin-2", second, queued.Id, Decision.Reject, reason);

        var detail = await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = queued.Id }, first);
        var history = detail.Application.History;
        var paper = Assert.Single(history, h => h.Event == "paper_registered");
        Assert.Equal(await ActorNameAsync(first, "officer-mersin-1"), paper.Actor);
        var rejected = Assert.Single(history, h => h.Event == "application_rejected");
        Assert.Equal(await ActorNameAsync(second, "officer-mersin-2"), rejected.Actor);
        Assert.Contains(reason, rejected.Text);
        Assert.DoesNotContain(Cards.Tckn("officer-mersin-2"), rejected.Actor + rejected.Text);
        Assert.Equal("REJECTED", detail.Application.Status);
        // ApplicationService.Get carries the same actors.
        var got = await server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = queued.Id }, first);
        Assert.Equal(history.Select(h => h.Actor), got.History.Select(h => h.Actor));
    }

    [Fact]
    public async Task Another_directorates_officer_an_applicant_an_unknown_and_a_malformed_id_are_refused()
    {
        var wet = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin));
        var adana = await server.SignInAsync("officer-adana");
        await Rpc.Refused(StatusCode.PermissionDenied,
            () => _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = wet.Id }, adana), "WRONG_TENANT");
        var doctor = await server.SignInAsync("doctor");
        await Rpc.Refused(StatusCode.PermissionDenied,
            () => _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = wet.Id }, doctor), "ROLE_REQUIRED");
        var officer = await server.SignInAsync("officer-mersin-1");
        await Rpc.Refused(StatusCode.NotFound,
            () => _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = Guid.NewGuid().ToString() }, officer), "application.not_found");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = "not-an-id" }, officer), null, "application_id");

        // Over REST the refusal keeps its status and JSON body.
        using var http = Http();
        using var response = await http.SendAsync(Rest(HttpMethod.Get, $"/v1/applications/{wet.Id}/detail", adana));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("WRONG_TENANT", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_officer_records_a_delivery_event_and_reads_the_expiring_list_over_REST()
    {
        var adana = await server.SignInAsync("officer-adana");
        var approvable = await server.SubmitApprovableAsync("01", adana);
        var approved = await server.DecideAsync("officer-adana", adana, approvable.Id, Decision.Approve);
        Assert.Equal("APPROVED", approved.Status);

        using var http = Http();
        using var recorded = await http.SendAsync(Rest(HttpMethod.Post, $"/v1/applications/{approved.Id}:delivery", adana,
            """{"event":"DELIVERY_EVENT_SENT_TO_KAMU_SM","trackingNumber":"TR-REST-1"}"""));
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        using (var json = JsonDocument.Parse(await recorded.Content.ReadAsStringAsync()))
        {
            Assert.Equal(approved.Id, json.RootElement.GetProperty("id").GetString());
            Assert.Equal("system", json.RootElement.GetProperty("history").EnumerateArray().Last().GetProperty("actor").GetString());
        }
        var after = await server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = approved.Id }, adana);
        Assert.Equal(approved.Version + 1, after.Version);

        // A wrong event name is refused and changes nothing.
        using var bad = await http.SendAsync(Rest(HttpMethod.Post, $"/v1/applications/{approved.Id}:delivery", adana, """{"event":"DELIVERY_EVENT_UNSPECIFIED"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(after.Version, (await server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = approved.Id }, adana)).Version);

        using var expiring = await http.SendAsync(Rest(HttpMethod.Get, "/v1/roster/expiring?withinDays=365", adana));
        Assert.Equal(HttpStatusCode.OK, expiring.StatusCode);
        using var list = JsonDocument.Parse(await expiring.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Object, list.RootElement.ValueKind);
        if (list.RootElement.TryGetProperty("people", out var people))
            Assert.All(people.EnumerateArray(), p => Assert.Matches(Masked, p.GetProperty("tcknMasked").GetString()!));
        // The page's list is the officer's: an applicant's token is refused there.
        using var applicant = await http.SendAsync(Rest(HttpMethod.Get, "/v1/roster/expiring", await server.SignInAsync("manager")));
        Assert.Equal(HttpStatusCode.Forbidden, applicant.StatusCode);
    }
}
