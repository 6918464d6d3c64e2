using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// ApprovalService on Mersin (tenant 33: officer-mersin-1 and -2, two approvals required). This class has a server of
/// its own, so nothing else touches tenant 33 here. Persona applicants used in 33, one test each (one open renewal per
/// TCKN): doctor (four eyes), doctor-ecdsa (reject), manager (paper on an e-signed item), fp-expiring (not approvable),
/// fp-expired (filters). Everything else is a synthetic applicant submitted wet by the system key.
/// </summary>
public sealed class ApprovalServiceTests(SigningServer server) : IClassFixture<SigningServer>
{
    private const string Mersin = "33";
    private readonly ApprovalService.ApprovalServiceClient _approvals = server.Approvals();
    private readonly ApplicationService.ApplicationServiceClient _applications = server.Applications();

    private async Task<List<QueueItem>> WholeQueueAsync(Metadata officer, ListQueueRequest? filter = null)
    {
        var request = filter ?? new ListQueueRequest();
        request.Page = new PageRequest { PageSize = 200 };
        var response = await _approvals.ListQueueAsync(request, officer);
        Assert.Equal("", response.NextCursor); // the class never puts 200 items on the queue
        return response.Items.ToList();
    }

    private async Task<Application> ESignedAsync(string persona, ApplicantCategory category)
    {
        var headers = await server.SignInAsync(persona);
        var response = await _applications.SubmitESignedAsync(Cards.ESigned(persona, Cards.Form(persona, Mersin, category)), headers);
        Assert.Equal("AWAITING_APPROVAL", response.Application.Status);
        return response.Application;
    }

    [Fact]
    public async Task The_queue_is_oldest_first_and_keyset_pages_cover_it_exactly_once()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var created = new List<string>();
        for (var i = 0; i < 4; i++)
            created.Add((await server.SubmitApprovableAsync(Mersin, officer)).Id);
        for (var i = 0; i < 3; i++)
            created.Add((await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin))).Id);

        var whole = await WholeQueueAsync(officer);
        Assert.Superset(created.ToHashSet(), whole.Select(i => i.ApplicationId).ToHashSet());
        Assert.True(whole.Zip(whole.Skip(1)).All(p => p.First.QueuedAt <= p.Second.QueuedAt), "the queue is oldest first");
        // Submitted one after the other: they keep that order on the queue.
        Assert.Equal(created, whole.Select(i => i.ApplicationId).Where(created.Contains));
        Assert.All(whole, i => Assert.Matches(new Regex(@"^\d{3}\*{8}$"), i.TcknMasked));
        Assert.All(whole, i => Assert.Equal(2, i.ApprovalsRequired)); // Mersin requires two approvals

        var paged = new List<string>();
        var cursor = "";
        long total = -1;
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await _approvals.ListQueueAsync(new ListQueueRequest { Page = new PageRequest { PageSize = 2, Cursor = cursor }, IncludeTotal = pages == 0 }, officer);
            Assert.InRange(page.Items.Count, 1, 2);
            if (pages == 0)
                total = page.Total;
            else
                Assert.Equal(0, page.Total); // only counted when asked
            paged.AddRange(page.Items.Select(i => i.ApplicationId));
            cursor = page.NextCursor;
            if (cursor == "")
                break;
        }
        Assert.Equal(paged.Count, paged.Distinct().Count());
        Assert.Equal(whole.Select(i => i.ApplicationId), paged);
        Assert.Equal(whole.Count, total);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("bzoxMA")] // "o:10": a ListMine cursor is not a queue cursor
    public async Task A_bad_queue_cursor_is_refused_naming_page_cursor(string cursor)
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.ListQueueAsync(new ListQueueRequest { Page = new PageRequest { Cursor = cursor } }, officer), "INVALID_ARGUMENT", "page.cursor");
    }

    [Fact]
    public async Task Filters_by_category_and_by_what_is_lacking_return_only_matching_items()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var fpHeaders = await server.SignInAsync("fp-expired");
        var familyPhysician = (await _applications.SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("fp-expired", Mersin, ApplicantCategory.FamilyPhysician),
            ClientRequestId = Guid.NewGuid().ToString("N"),
            CurrentCertificate = ByteString.CopyFrom(Cards.CertificateDer("fp-expired")),
        }, fpHeaders)).Application.Id; // lacks PAPER and RECEIPT
        var wet = (await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin))).Id; // lacks PAPER
        var complete = (await server.SubmitApprovableAsync(Mersin, officer)).Id; // lacks nothing
        var halfApproved = (await server.SubmitApprovableAsync(Mersin, officer)).Id;
        var afterOne = await server.DecideAsync("officer-mersin-2", second, halfApproved, Decision.Approve); // lacks SECOND_APPROVAL
        Assert.Equal(new[] { "SECOND_APPROVAL" }, afterOne.Lacks);

        var fp = await WholeQueueAsync(officer, new ListQueueRequest { Category = ApplicantCategory.FamilyPhysician });
        Assert.All(fp, i => Assert.Equal(ApplicantCategory.FamilyPhysician, i.Category));
        Assert.Contains(fp, i => i.ApplicationId == familyPhysician);
        Assert.DoesNotContain(fp, i => i.ApplicationId == wet);

        var paper = await WholeQueueAsync(officer, new ListQueueRequest { Lacks = "PAPER" });
        Assert.All(paper, i => Assert.Contains("PAPER", i.Lacks));
        Assert.Superset(new HashSet<string> { familyPhysician, wet }, paper.Select(i => i.ApplicationId).ToHashSet());
        Assert.DoesNotContain(paper, i => i.ApplicationId == complete);

        var receipt = await WholeQueueAsync(officer, new ListQueueRequest { Lacks = "RECEIPT" });
        Assert.All(receipt, i => Assert.Contains("RECEIPT", i.Lacks));
        Assert.Contains(receipt, i => i.ApplicationId == familyPhysician);
        Assert.DoesNotContain(receipt, i => i.ApplicationId == wet);

        var secondApproval = await WholeQueueAsync(officer, new ListQueueRequest { Lacks = "SECOND_APPROVAL" });
        var item = Assert.Single(secondApproval, i => i.ApplicationId == halfApproved);
        Assert.Equal(1, item.Approvals);
        Assert.Equal(2, item.ApprovalsRequired);
        Assert.All(secondApproval, i => Assert.Contains("SECOND_APPROVAL", i.Lacks));

        var nothing = await WholeQueueAsync(officer, new ListQueueRequest { Lacks = "NOTHING" });
        Assert.All(nothing, i => Assert.Empty(i.Lacks));
        Assert.Contains(nothing, i => i.ApplicationId == complete);
        Assert.DoesNotContain(nothing, i => i.ApplicationId == halfApproved || i.ApplicationId == wet || i.ApplicationId == familyPhysician);

        var both = await WholeQueueAsync(officer, new ListQueueRequest { Category = ApplicantCategory.Manager, Lacks = "PAPER" });
        Assert.Contains(both, i => i.ApplicationId == wet);
        Assert.DoesNotContain(both, i => i.ApplicationId == familyPhysician);
    }

    [Fact]
    public async Task An_unknown_lacks_filter_is_refused_naming_lacks()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _approvals.ListQueueAsync(new ListQueueRequest { Lacks = "SIGNATURE" }, officer), "INVALID_ARGUMENT", "lacks");
    }

    [Fact]
    public async Task Registering_paper_needs_exactly_two_copies_and_then_the_item_waits_for_a_decision()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var wet = await server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), Mersin));
        Assert.Equal(new[] { "PAPER" }, wet.Lacks);

        // Not decidable while the paper is missing: no decision document to sign (so no PIN is asked for nothing).
        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = wet.Id, Decision = Decision.Approve }, officer),
            "decision.not_on_queue");

        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 1 }, officer), "paper.wrong_copy_count", "copies");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 0 }, officer), "INVALID_ARGUMENT", "copies");

        var registered = await _approvals.RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2, ExpectedVersion = wet.Version }, officer);
        Assert.Equal("AWAITING_APPROVAL", registered.Status);
        Assert.Empty(registered.Lacks);
        Assert.Equal(wet.Version + 1, registered.Version);
        Assert.Contains(await WholeQueueAsync(officer, new ListQueueRequest { Lacks = "NOTHING" }), i => i.ApplicationId == wet.Id);

        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => _approvals.RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2 }, officer), "paper.not_awaiting");
    }

    [Fact]
    public async Task Paper_cannot_be_registered_for_an_e_signed_item()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await ESignedAsync("manager", ApplicantCategory.Manager);
        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => _approvals.RegisterPaperFormAsync(new RegisterPaperFormRequest { ApplicationId = app.Id, Copies = 2 }, officer), "paper.not_awaiting");
    }

    [Fact]
    public async Task The_decision_document_names_the_application_version_decision_and_officer()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync(Mersin, officer);
        var document = await _approvals.GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Reject, Reason = "  Dekont okunamıyor  " }, officer);
        Assert.Equal(app.Version, document.Version);
        var json = JsonDocument.Parse(document.Document.ToByteArray()).RootElement;
        Assert.Equal(app.Id, json.GetProperty("applicationId").GetString());
        Assert.Equal(app.Version, json.GetProperty("applicationVersion").GetInt64());
        Assert.Equal("REJECT", json.GetProperty("decision").GetString());
        Assert.Equal("Dekont okunamıyor", json.GetProperty("reason").GetString());
        Assert.Equal(Cards.Tckn("officer-mersin-1"), json.GetProperty("officerTckn").GetString());
        Assert.Equal(Mersin, json.GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task A_decision_document_needs_a_decision_and_a_rejection_needs_a_reason()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync(Mersin, officer);
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Reject, Reason = "  " }, officer),
            "INVALID_ARGUMENT", "reason");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id }, officer), "INVALID_ARGUMENT", "decision");
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = "x", Decision = Decision.Approve }, officer), "INVALID_ARGUMENT", "application_id");
    }

    [Fact]
    public async Task Four_eyes_one_officer_approves_the_same_officer_cannot_again_the_second_one_approves_and_it_leaves_the_queue()
    {
        var first = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var app = await ESignedAsync("doctor", ApplicantCategory.Doctor);

        var once = await server.DecideAsync("officer-mersin-1", first, app.Id, Decision.Approve);
        Assert.Equal("AWAITING_APPROVAL", once.Status);
        Assert.Equal(new[] { "SECOND_APPROVAL" }, once.Lacks);
        var queued = Assert.Single(await WholeQueueAsync(first), i => i.ApplicationId == app.Id);
        Assert.Equal(new[] { "SECOND_APPROVAL" }, queued.Lacks);
        Assert.Equal(1, queued.Approvals);

        await Rpc.Refused(StatusCode.FailedPrecondition, () => server.DecideAsync("officer-mersin-1", first, app.Id, Decision.Approve), "decision.same_officer_twice");
        // Refused already when the document is asked for, before any card is touched; a rejection stays open to her.
        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, first),
            "decision.same_officer_twice");
        Assert.NotEmpty((await _approvals.GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Reject, Reason = "adres eksik" }, first)).Document);

        var approved = await server.DecideAsync("officer-mersin-2", second, app.Id, Decision.Approve); // an EC card this time
        Assert.Equal("APPROVED", approved.Status);
        Assert.Empty(approved.Lacks);
        Assert.DoesNotContain(await WholeQueueAsync(first), i => i.ApplicationId == app.Id);
        var seenByApplicant = await _applications.GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, await server.SignInAsync("doctor"));
        Assert.Equal("APPROVED", seenByApplicant.Status);
        Assert.Equal(2, seenByApplicant.History.Count(h => h.Text.StartsWith("Approved by officer")));

        // Off the queue: no more decision documents for it.
        await Rpc.Refused(StatusCode.FailedPrecondition,
            () => _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Reject, Reason = "geç" }, second),
            "decision.not_on_queue");
    }

    [Fact]
    public async Task A_rejection_with_a_reason_ends_the_application_and_tells_the_applicant_why()
    {
        var officer = await server.SignInAsync("officer-mersin-2");
        var app = await ESignedAsync("doctor-ecdsa", ApplicantCategory.Doctor);
        var rejected = await server.DecideAsync("officer-mersin-2", officer, app.Id, Decision.Reject, "Teslimat adresi eksik");
        Assert.Equal("REJECTED", rejected.Status);
        Assert.Contains("Teslimat adresi eksik", rejected.NextStep.Text);
        Assert.DoesNotContain(await WholeQueueAsync(officer), i => i.ApplicationId == app.Id);
        var seen = await _applications.GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, await server.SignInAsync("doctor-ecdsa"));
        Assert.Equal("REJECTED", seen.Status);
    }

    [Fact]
    public async Task A_decision_on_a_stale_version_is_ABORTED()
    {
        var first = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var app = await server.SubmitApprovableAsync(Mersin, first);
        var staleDocument = await _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, second);
        await server.DecideAsync("officer-mersin-1", first, app.Id, Decision.Approve); // the item moves on meanwhile
        await Rpc.Refused(StatusCode.Aborted, () => _approvals.DecideAsync(Scenario.Signed("officer-mersin-2", app.Id, staleDocument), second),
            "concurrency.version_conflict");

        // The second officer reloads and approves on the current version.
        var approved = await server.DecideAsync("officer-mersin-2", second, app.Id, Decision.Approve);
        Assert.Equal("APPROVED", approved.Status);
    }

    [Fact]
    public async Task An_expected_version_that_differs_from_the_signed_document_is_refused_naming_it()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync(Mersin, officer);
        var document = await _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, officer);
        var request = Scenario.Signed("officer-mersin-1", app.Id, document);
        request.ExpectedVersion = document.Version + 1;
        await Rpc.Refused(StatusCode.InvalidArgument, () => _approvals.DecideAsync(request, officer), "INVALID_ARGUMENT", "expected_version");
    }

    [Fact]
    public async Task A_document_issued_to_another_officer_is_refused_naming_document_even_when_signed_by_that_officer()
    {
        var first = await server.SignInAsync("officer-mersin-1");
        var second = await server.SignInAsync("officer-mersin-2");
        var app = await server.SubmitApprovableAsync(Mersin, first);
        var issuedToSecond = await _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, second);
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.DecideAsync(Scenario.Signed("officer-mersin-2", app.Id, issuedToSecond), first), "INVALID_ARGUMENT", "document");

        // A document about another application is refused the same way.
        var other = await server.SubmitApprovableAsync(Mersin, first);
        var aboutOther = await _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = other.Id, Decision = Decision.Approve }, first);
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.DecideAsync(Scenario.Signed("officer-mersin-1", app.Id, aboutOther), first), "INVALID_ARGUMENT", "document");
        Assert.Equal(0, Assert.Single(await WholeQueueAsync(first), i => i.ApplicationId == app.Id).Approvals);
    }

    [Fact]
    public async Task A_signature_over_other_bytes_or_from_another_card_does_not_decide()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync(Mersin, officer);
        var document = await _approvals.GetDecisionDocumentAsync(new GetDecisionDocumentRequest { ApplicationId = app.Id, Decision = Decision.Approve }, officer);

        var otherBytes = new DecideRequest
        {
            ApplicationId = app.Id,
            Document = document.Document,
            Signature = ByteString.CopyFrom(Cards.Sign("officer-mersin-1", "{\"decision\":\"APPROVE\"}"u8.ToArray(), detached: true)),
        };
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _approvals.DecideAsync(otherBytes, officer), "decision.signature_invalid");

        var otherCard = Scenario.Signed("officer-mersin-2", app.Id, document);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _approvals.DecideAsync(otherCard, officer), "decision.signature_invalid");

        var garbage = Scenario.Signed("officer-mersin-1", app.Id, document);
        garbage.Signature = ByteString.CopyFromUtf8("not a CMS");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _approvals.DecideAsync(garbage, officer), "INVALID_ARGUMENT", "signature");

        var queued = Assert.Single(await WholeQueueAsync(officer), i => i.ApplicationId == app.Id);
        Assert.Equal(0, queued.Approvals); // none of those counted
    }

    [Fact]
    public async Task A_family_physician_without_the_receipt_is_not_approvable_yet()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await ESignedAsync("fp-expiring", ApplicantCategory.FamilyPhysician);
        Assert.Equal(new[] { "RECEIPT" }, app.Lacks);
        var due = (await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = app.Id }, officer)).PaymentReceipt;
        Assert.Equal("780.00", due.FeeDue.Amount);
        Assert.Null(due.Amount); // nothing attached yet
        var status = await Rpc.Refused(StatusCode.FailedPrecondition, () => server.DecideAsync("officer-mersin-1", officer, app.Id, Decision.Approve), "decision.not_approvable");
        Assert.Equal("decision.not_approvable", Assert.Single(status.GetDetail<PreconditionFailure>()!.Violations).Type);

        // The e-signing family physician e-mails the dekont; the officer attaches it, and the item becomes approvable.
        var attached = await _applications.AttachPaymentReceiptAsync(new AttachPaymentReceiptRequest
        {
            ApplicationId = app.Id,
            Amount = new Signing.Contracts.V1.Money { Amount = "780.00", Currency = "TRY" },
            Iban = "TR41 0001 2009 5940 0005 0000 47",
            Description = "gülşen çelik 40618273540 nes 3 yıllık başvurusu", // tr-TR casing: i/İ, ı/I must compare right
            PaidOn = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ScannedFile = ByteString.CopyFromUtf8("%PDF-1.4 dekont"),
        }, officer);
        Assert.Empty(attached.Lacks);

        // The officer's desk shows the dekont as attached, the TCKN in its description masked.
        var payment = (await _approvals.GetApplicationDetailAsync(new GetApplicationDetailRequest { ApplicationId = app.Id }, officer)).PaymentReceipt;
        Assert.Equal("780.00", payment.FeeDue.Amount);
        Assert.Equal("780.00", payment.Amount.Amount);
        Assert.Equal("TR41 0001 2009 5940 0005 0000 47".Replace(" ", ""), payment.Iban.Replace(" ", ""));
        Assert.Equal(DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), payment.PaidOn);
        Assert.Equal($"gülşen çelik {Cards.Tckn("fp-expiring")[..3]}******** nes 3 yıllık başvurusu", payment.Description);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("%PDF-1.4 dekont"u8)), payment.FileSha256);
        Assert.NotNull(payment.AttachedAt);

        var once = await server.DecideAsync("officer-mersin-1", officer, app.Id, Decision.Approve);
        Assert.Equal(new[] { "SECOND_APPROVAL" }, once.Lacks);
    }

    [Fact]
    public async Task An_officer_never_decides_on_their_own_application()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var own = (await _applications.SubmitESignedAsync(
            Cards.ESigned("officer-mersin-1", Cards.Form("officer-mersin-1", Mersin, ApplicantCategory.Manager)), officer)).Application;
        Assert.Equal("AWAITING_APPROVAL", own.Status);
        await Rpc.Refused(StatusCode.PermissionDenied, () => server.DecideAsync("officer-mersin-1", officer, own.Id, Decision.Approve), "decision.own_application");
    }

    [Fact]
    public async Task A_decision_document_older_than_its_lifetime_is_refused_naming_document()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var app = await server.SubmitApprovableAsync(Mersin, officer);
        var body = new Signing.Server.Services.DecisionDocumentBody(Signing.Server.Services.DecisionDocumentBody.DocumentType, 1, Guid.Parse(app.Id), app.Code,
            Mersin, app.Version, Signing.Domain.OfficerDecision.Approve, "", Cards.Tckn("officer-mersin-1"), "Fatma Arslan", DateTimeOffset.UtcNow.AddMinutes(-31));
        var old = new DecisionDocument
        {
            Document = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(body, Signing.Server.Services.DecisionDocumentBody.Json)),
            Version = app.Version,
        };
        await Rpc.Refused(StatusCode.InvalidArgument, () => _approvals.DecideAsync(Scenario.Signed("officer-mersin-1", app.Id, old), officer), "INVALID_ARGUMENT", "document");
        Assert.Equal(0, Assert.Single(await WholeQueueAsync(officer), i => i.ApplicationId == app.Id).Approvals);
    }

    [Fact]
    public async Task Decide_without_document_or_signature_names_both()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => _approvals.DecideAsync(new DecideRequest { ApplicationId = Guid.NewGuid().ToString() }, officer), "INVALID_ARGUMENT", "document");
        Assert.Contains(status.GetDetail<BadRequest>()!.FieldViolations, v => v.Field == "signature");
    }
}
