using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Services;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// One Mersin application (the doctor's, e-signed, on tenant 33's queue) and one Adana item, and a server of their own.
/// Every call the matrix makes is built so that it cannot change either of them (a stale version, a rule that refuses),
/// so the rows can run in any order.
/// </summary>
public sealed class MatrixWorld : IAsyncLifetime
{
    public SigningServer Server { get; } = new();
    public Application Mersin { get; private set; } = null!;
    public Application AdanaItem { get; private set; } = null!;
    public byte[] DoctorFormJson { get; private set; } = [];
    public byte[] DoctorCms { get; private set; } = [];
    public byte[] DoctorEOnay { get; private set; } = [];
    public Dictionary<string, Metadata> Callers { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Callers["anonymous"] = new Metadata();
        Callers["bad-token"] = new Metadata { { "authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0Y2tuIjoiMSJ9.c2lnbmF0dXJl" } };
        foreach (var persona in new[] { "doctor", "manager", "officer-mersin-1", "officer-adana" })
            Callers[persona] = await Server.SignInAsync(persona);
        Callers["system"] = Server.SystemHeaders();

        var form = Cards.Form("doctor", "33", ApplicantCategory.Doctor);
        DoctorFormJson = Cards.Json(form);
        DoctorCms = Cards.Sign("doctor", DoctorFormJson);
        DoctorEOnay = Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(DoctorFormJson));
        Mersin = (await Server.Applications().SubmitESignedAsync(
            new SubmitESignedRequest { Cms = ByteString.CopyFrom(DoctorCms), ClientRequestId = "matrix-mersin" }, Callers["doctor"])).Application;
        AdanaItem = await Server.SubmitApprovableAsync("01", Callers["officer-adana"]);
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// Issue 6's authorisation matrix: caller × RPC on one Mersin application. Where a caller may not, the refusal is exactly
/// UNAUTHENTICATED, PERMISSION_DENIED (with its reason) or NOT_FOUND; where it may, the call may still fail on a business
/// rule, but never as an authentication or authorisation refusal.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixWorld world) : IClassFixture<MatrixWorld>
{
    public static readonly string[] CallerNames = ["anonymous", "bad-token", "doctor", "manager", "officer-mersin-1", "officer-adana", "system"];

    public static readonly string[] RpcNames =
    [
        "CreateChallenge", "CheckCertificate", "GetRenewalGuidance", "SignIn", "WhoAmI",
        "SubmitESigned", "SubmitWithEOnay", "SubmitWetSigned", "AttachPaymentReceipt", "Withdraw", "Get", "ListMine",
        "ListQueue", "WatchQueue", "RegisterPaperForm", "GetDecisionDocument", "Decide",
        "Record",
    ];

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var rpc in RpcNames)
            foreach (var caller in CallerNames)
                data.Add(caller, rpc);
        return data;
    }

    private sealed record Expected(StatusCode? Code, string? Reason)
    {
        public static readonly Expected Allowed = new(null, null);
    }

    private static readonly HashSet<string> Open = ["CreateChallenge", "CheckCertificate", "GetRenewalGuidance", "SignIn"];
    private static readonly HashSet<string> OfficerOnly = ["ListQueue", "WatchQueue", "RegisterPaperForm", "GetDecisionDocument", "Decide"];
    private static readonly HashSet<string> Submissions = ["SubmitESigned", "SubmitWithEOnay", "SubmitWetSigned"];
    private static readonly HashSet<string> OnTheApplication = ["AttachPaymentReceipt", "Withdraw", "Get", "RegisterPaperForm", "GetDecisionDocument", "Decide", "Record"];

    /// <summary>The rules, written out once: who may call what on the doctor's Mersin application.</summary>
    private static Expected Expect(string caller, string rpc)
    {
        if (Open.Contains(rpc))
            return Expected.Allowed; // no sign-in needed: the proof of possession is the credential
        if (caller == "anonymous")
            return new(StatusCode.Unauthenticated, "NOT_SIGNED_IN");
        if (caller == "bad-token")
            return new(StatusCode.Unauthenticated, "TOKEN_INVALID");
        if (rpc == "WhoAmI")
            return Expected.Allowed;
        var officer = caller is "officer-mersin-1" or "officer-adana";
        if (OfficerOnly.Contains(rpc) && !officer)
            return new(StatusCode.PermissionDenied, "ROLE_REQUIRED");
        if (rpc == "Record" && caller is "doctor" or "manager")
            return new(StatusCode.PermissionDenied, "ROLE_REQUIRED");
        if (rpc == "ListMine")
            return caller == "system" ? new(StatusCode.PermissionDenied, "ROLE_REQUIRED") : Expected.Allowed;
        if (Submissions.Contains(rpc))
            return caller is "doctor" or "system" ? Expected.Allowed : new(StatusCode.PermissionDenied, "FORM_NOT_YOURS");
        if (rpc is "ListQueue" or "WatchQueue")
            return Expected.Allowed; // both officers may list, each only their own tenant (asserted in the call)
        if (OnTheApplication.Contains(rpc))
        {
            if (caller == "officer-adana")
                return new(StatusCode.PermissionDenied, "WRONG_TENANT");
            if (caller == "manager")
                return new(StatusCode.NotFound, "application.not_found"); // another applicant learns nothing
            if (rpc == "Withdraw" && caller == "officer-mersin-1")
                return new(StatusCode.PermissionDenied, "withdraw.not_the_applicant"); // the officer sees it, only the applicant withdraws
            return Expected.Allowed;
        }
        throw new InvalidOperationException($"no rule for {caller} × {rpc}");
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Caller_may_or_may_not_call_the_RPC_on_the_Mersin_application(string caller, string rpc)
    {
        var expected = Expect(caller, rpc);
        var call = Call(rpc, caller, world.Callers[caller]);
        if (expected.Code is { } code)
        {
            await Rpc.Refused(code, call, expected.Reason);
            return;
        }
        var status = await Scenario.StatusOf(call);
        Assert.True(status is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.Internal),
            $"{caller} may call {rpc}, but it was refused with {status}");
    }

    [Fact]
    public async Task Nothing_the_matrix_does_changes_the_Mersin_application()
    {
        // Runs in any order relative to the rows: whenever it runs, the application must be as submitted.
        var now = await world.Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = world.Mersin.Id }, world.Server.SystemHeaders());
        Assert.Equal("AWAITING_APPROVAL", now.Status);
        Assert.Equal(world.Mersin.Version, now.Version);
        Assert.Equal(7 * RpcNames.Length, Matrix().Count);
    }

    private Func<Task> Call(string rpc, string caller, Metadata headers)
    {
        var s = world.Server;
        var id = world.Mersin.Id;
        return rpc switch
        {
            "CreateChallenge" => async () => Assert.Equal(32, (await s.Certificates().CreateChallengeAsync(new CreateChallengeRequest(), headers)).Nonce.Length),
            "CheckCertificate" => async () =>
            {
                var challenge = await s.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
                var response = await s.Certificates().CheckCertificateAsync(new CheckCertificateRequest
                {
                    Certificate = ByteString.CopyFrom(Cards.CertificateDer("doctor")),
                    ChallengeId = challenge.ChallengeId,
                    ProofOfPossession = ByteString.CopyFrom(Cards.Prove("doctor", challenge.Nonce.ToByteArray())),
                }, headers);
                Assert.Equal(HolderStatus.Valid, response.Status);
            },
            "GetRenewalGuidance" => async () => Assert.NotEmpty((await s.Certificates().GetRenewalGuidanceAsync(new GetRenewalGuidanceRequest
            {
                Category = ApplicantCategory.Doctor, NotAfter = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(40)),
            }, headers)).Steps),
            "SignIn" => async () =>
            {
                var challenge = await s.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
                var response = await s.Sessions().SignInAsync(new SignInRequest
                {
                    ChallengeId = challenge.ChallengeId,
                    ProofOfPossession = ByteString.CopyFrom(Cards.Prove("manager", challenge.Nonce.ToByteArray())),
                }, headers);
                Assert.Equal("319********", response.Identity.TcknMasked);
            },
            "WhoAmI" => async () => await s.Sessions().WhoAmIAsync(new WhoAmIRequest(), headers),
            // The doctor's own form again (another request id): the doctor or the portal get ALREADY_EXISTS, anyone else FORM_NOT_YOURS.
            "SubmitESigned" => async () => await s.Applications().SubmitESignedAsync(new SubmitESignedRequest
            {
                Cms = ByteString.CopyFrom(world.DoctorCms), ClientRequestId = "matrix-" + caller,
            }, headers),
            "SubmitWithEOnay" => async () => await s.Applications().SubmitWithEOnayAsync(new SubmitWithEOnayRequest
            {
                FormJson = ByteString.CopyFrom(world.DoctorFormJson), EOnayConfirmation = ByteString.CopyFrom(world.DoctorEOnay), ClientRequestId = "matrix-eonay-" + caller,
            }, headers),
            "SubmitWetSigned" => async () => await s.Applications().SubmitWetSignedAsync(new SubmitWetSignedRequest
            {
                Form = Cards.Form("doctor", "33", ApplicantCategory.Doctor), ClientRequestId = "matrix-wet-" + caller,
            }, headers),
            "AttachPaymentReceipt" => async () => await s.Applications().AttachPaymentReceiptAsync(new AttachPaymentReceiptRequest
            {
                ApplicationId = id,
                Amount = new Signing.Contracts.V1.Money { Amount = "780.00", Currency = "TRY" },
                Iban = "TR41 0001 2009 5940 0005 0000 47",
                Description = "AYŞE YILMAZ 12345678950 NES 3 YILLIK BAŞVURUSU",
                PaidOn = "2026-11-20",
                ScannedFile = ByteString.CopyFromUtf8("dekont"),
            }, headers), // a doctor owes no receipt: refused by the rules, never written
            "Withdraw" => async () => await s.Applications().WithdrawAsync(new WithdrawRequest { ApplicationId = id, ExpectedVersion = 999 }, headers),
            "Get" => async () => Assert.Equal(id, (await s.Applications().GetAsync(new GetApplicationRequest { ApplicationId = id }, headers)).Id),
            "ListMine" => async () =>
            {
                var mine = await s.Applications().ListMineAsync(new ListMineRequest(), headers);
                Assert.Equal(caller == "doctor", mine.Applications.Any(a => a.Id == id));
            },
            "ListQueue" => async () =>
            {
                var items = (await s.Approvals().ListQueueAsync(new ListQueueRequest { Page = new PageRequest { PageSize = 200 } }, headers)).Items;
                AssertOwnTenantOnly(caller, items.Select(i => i.ApplicationId).ToList());
            },
            "WatchQueue" => () => WatchSnapshotAsync(caller, headers),
            "RegisterPaperForm" => async () => await s.Approvals().RegisterPaperFormAsync(
                new RegisterPaperFormRequest { ApplicationId = id, Copies = 2 }, headers), // e-signed: paper.not_awaiting
            "GetDecisionDocument" => async () => await s.Approvals().GetDecisionDocumentAsync(
                new GetDecisionDocumentRequest { ApplicationId = id, Decision = Decision.Approve }, headers),
            "Decide" => async () => await s.Approvals().DecideAsync(CraftedDecision(caller), headers),
            "Record" => async () => await s.Deliveries().RecordAsync(
                new RecordDeliveryEventRequest { ApplicationId = id, Event = DeliveryEvent.SentToKamuSm }, headers), // not approved: invalid transition
            _ => throw new InvalidOperationException(rpc),
        };
    }

    /// <summary>Each officer sees only their own directorate's queue: Mersin's item for Mersin, Adana's for Adana.</summary>
    private void AssertOwnTenantOnly(string caller, IReadOnlyList<string> ids)
    {
        if (caller == "officer-adana")
        {
            Assert.DoesNotContain(world.Mersin.Id, ids);
            Assert.Contains(world.AdanaItem.Id, ids);
        }
        else
        {
            Assert.Contains(world.Mersin.Id, ids);
            Assert.DoesNotContain(world.AdanaItem.Id, ids);
        }
    }

    /// <summary>Reads the whole opening snapshot of the watch (as many items as the queue holds), then stops watching.</summary>
    private async Task WatchSnapshotAsync(string caller, Metadata headers)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = world.Server.Approvals().WatchQueue(new WatchQueueRequest(), headers, cancellationToken: guard.Token);
        // The watch itself must refuse (or answer) first: both tenants' queues hold an item, so an allowed watch speaks at once.
        Assert.True(await call.ResponseStream.MoveNext(guard.Token));
        var ids = new List<string> { call.ResponseStream.Current.Item.ApplicationId };
        Assert.Equal(QueueChange.Types.Kind.Snapshot, call.ResponseStream.Current.Kind);
        var count = (await world.Server.Approvals().ListQueueAsync(new ListQueueRequest { IncludeTotal = true }, headers)).Total;
        while (ids.Count < count && await call.ResponseStream.MoveNext(guard.Token))
        {
            Assert.Equal(QueueChange.Types.Kind.Snapshot, call.ResponseStream.Current.Kind);
            ids.Add(call.ResponseStream.Current.Item.ApplicationId);
        }
        AssertOwnTenantOnly(caller, ids);
    }

    /// <summary>
    /// A decision document signed on the caller's card. Mersin's officer: a stale version (ABORTED, nothing written).
    /// Adana's officer: a document made out to itself, as GetDecisionDocument would never issue one for Mersin's item.
    /// Others: whatever they send, the role check comes first.
    /// </summary>
    private DecideRequest CraftedDecision(string caller)
    {
        var persona = caller is "officer-adana" ? "officer-adana" : "officer-mersin-1";
        var body = new DecisionDocumentBody(DecisionDocumentBody.DocumentType, 1, Guid.Parse(world.Mersin.Id), world.Mersin.Code,
            persona == "officer-adana" ? "01" : "33", persona == "officer-adana" ? world.Mersin.Version : 999, Signing.Domain.OfficerDecision.Reject, "matris",
            Cards.Tckn(persona), persona, DateTimeOffset.UtcNow);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, DecisionDocumentBody.Json);
        return new DecideRequest
        {
            ApplicationId = world.Mersin.Id,
            Document = ByteString.CopyFrom(bytes),
            Signature = ByteString.CopyFrom(Cards.Sign(persona, bytes, detached: true)),
        };
    }
}
