using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Auth;
using Signing.Server.Services;
using Signing.Server.Tests.Infrastructure;
using Signing.Server.Tests.Log;

namespace Signing.Server.Tests;

/// <summary>
/// The server of the matrix, serving all 81 provinces: the tests' own system key (every scope, every tenant) plus one
/// system client per scope, each with only that scope on Mersin (33), one with every scope on Adana (01) only, and one
/// with every scope on the last province configured (<see cref="ThirdProvince"/>) only.
/// </summary>
public sealed class MatrixServer : SigningServer
{
    public const string AdanaClient = "system-adana";
    public const string ThirdProvinceClient = "system-kocaeli";

    /// <summary>
    /// Kocaeli (41): neither shipped nor scratch, so it comes last in Signing:Tenants here; a lookup that visited the
    /// tenants in turn would find its applications last.
    /// </summary>
    public const string ThirdProvince = "41";

    /// <summary>Caller name in the matrix → its x-api-key.</summary>
    public Dictionary<string, string> ClientKeys { get; } = AuthorizationMatrixTests.Scopes
        .ToDictionary(s => "system:" + s, s => "matrix-key-" + s.Replace(':', '-'));

    public MatrixServer()
    {
        ClientKeys[AdanaClient] = "matrix-key-adana-all-scopes";
        ClientKeys[ThirdProvinceClient] = "matrix-key-kocaeli-all-scopes";
    }

    protected override IEnumerable<string> MoreTenants => Signing.Bench.Shared.SyntheticProvinces.AllCodes;

    /// <summary>The directorates the running server serves.</summary>
    public int TenantCount => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
        .GetRequiredService<Signing.Server.Configuration.TenantCatalog>(App!.Services).All.Count;

    /// <summary>Signs a checkpoint of the log as it is now, so the log rows have the world's events to prove.</summary>
    public Task CheckpointAsync() => Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Signing.Server.Log.Checkpointer>(App!.Services).CheckpointAsync();

    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        foreach (var scope in AuthorizationMatrixTests.Scopes)
            AddClient(settings, "only-" + scope.Replace(':', '-'), ClientKeys["system:" + scope], [scope], ["33"]);
        AddClient(settings, "adana", ClientKeys[AdanaClient], AuthorizationMatrixTests.Scopes, ["01"]);
        AddClient(settings, "kocaeli", ClientKeys[ThirdProvinceClient], AuthorizationMatrixTests.Scopes, [ThirdProvince]);
    }

    private static void AddClient(Dictionary<string, string?> settings, string name, string key, IReadOnlyList<string> scopes, IReadOnlyList<string> tenants)
    {
        settings[$"Signing:Auth:SystemKeys:{name}"] = key;
        for (var i = 0; i < scopes.Count; i++)
            settings[$"Signing:Auth:SystemClients:{name}:Scopes:{i}"] = scopes[i];
        for (var i = 0; i < tenants.Count; i++)
            settings[$"Signing:Auth:SystemClients:{name}:Tenants:{i}"] = tenants[i];
    }
}

/// <summary>
/// One Mersin application (the doctor's, e-signed, on tenant 33's queue), one Adana item, the doctor's application in the
/// third province, and a server of their own.
/// Every call the matrix makes is built so that it cannot change either of them (a stale version, a rule that refuses),
/// so the rows can run in any order.
/// </summary>
public sealed class MatrixWorld : IAsyncLifetime
{
    public MatrixServer Server { get; } = new();
    public Application Mersin { get; private set; } = null!;
    public Application AdanaItem { get; private set; } = null!;
    /// <summary>The doctor's other application, in <see cref="MatrixServer.ThirdProvince"/>.</summary>
    public Application DoctorElsewhere { get; private set; } = null!;
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
        foreach (var (caller, key) in Server.ClientKeys)
            Callers[caller] = new Metadata { { "x-api-key", key } };

        var form = Cards.Form("doctor", "33", ApplicantCategory.Doctor);
        DoctorFormJson = Cards.Json(form);
        DoctorCms = Cards.Sign("doctor", DoctorFormJson);
        DoctorEOnay = Scenario.EOnay(Cards.Tckn("doctor"), Scenario.Sha256Hex(DoctorFormJson));
        Mersin = (await Server.Applications().SubmitESignedAsync(
            new SubmitESignedRequest { Cms = ByteString.CopyFrom(DoctorCms), ClientRequestId = "matrix-mersin" }, Callers["doctor"])).Application;
        AdanaItem = await Server.SubmitApprovableAsync("01", Callers["officer-adana"]);
        DoctorElsewhere = (await Server.Applications().SubmitESignedAsync(
            Cards.ESigned("doctor", Cards.Form("doctor", MatrixServer.ThirdProvince, ApplicantCategory.Doctor), "matrix-kocaeli"), Callers["doctor"])).Application;
        await Server.CheckpointAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

/// <summary>
/// The authorisation matrix: every RPC × every kind of caller, on one Mersin application. Each cell asserts the exact
/// status: a refusal with its reason (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND), or, where the caller may call, the
/// outcome the call is built to have (OK, or a business rule that refuses without writing). A new RPC is one row.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixWorld world) : IClassFixture<MatrixWorld>
{
    /// <summary>Every scope a system client can be given; each has a client in the matrix with only that scope.</summary>
    public static readonly string[] Scopes = ["applications:submit", "applications:read", "applications:withdraw", "payments:record", "delivery:record", "log:read",
        "roster:write", "roster:read"];

    public static readonly string[] CallerNames =
    [
        "anonymous", "bad-token", "doctor", "manager", "officer-mersin-1", "officer-adana",
        .. Scopes.Select(s => "system:" + s), MatrixServer.AdanaClient, MatrixServer.ThirdProvinceClient,
    ];

    /// <summary>Who a row lets through: the roles it accepts, and for a system client the scope it needs.</summary>
    private enum Kind
    {
        /// <summary>No credentials asked: proof of possession is the credential.</summary>
        Open,
        /// <summary>Any signed-in caller or system client (no scope needed).</summary>
        Anyone,
        /// <summary>A submission of the doctor's Mersin form: the form's TCKN and tenant decide.</summary>
        Submission,
        /// <summary>A call on the doctor's Mersin application: its applicant, its tenant decide.</summary>
        OnApplication,
        /// <summary>Not about one application (the caller's own list, an officer's own queue).</summary>
        Own,
        /// <summary>For the Mersin directorate as a whole (its roster): its officers and the system clients serving it.</summary>
        OnTenant,
        /// <summary>A directorate's list: an officer's own, Mersin's for a system client (which must name it).</summary>
        TenantList,
    }

    private sealed record Expected(StatusCode Code, string? Reason)
    {
        public static readonly Expected Ok = new(StatusCode.OK, null);
        public override string ToString() => Reason is null ? Code.ToString() : $"{Code} {Reason}";
    }

    private const string Applicant = "applicant", Officer = "officer", System = "system";

    /// <param name="Roles">The roles that may call (an officer holds both applicant and officer).</param>
    /// <param name="Scope">The scope a system client needs (null: none, or system clients are not among the roles).</param>
    /// <param name="Allowed">What a caller who gets through sees: the outcome the call is built to have.</param>
    /// <param name="Overrides">Callers who get through the checks above but whom the call itself treats otherwise.</param>
    private sealed record Row(string Rpc, Kind Kind, string[] Roles, string? Scope, Expected Allowed, IReadOnlyDictionary<string, Expected>? Overrides = null);

    private static readonly Expected OpenRenewal = new(StatusCode.AlreadyExists, "application.open_renewal_exists");

    private static readonly Row[] Rows =
    [
        new("CreateChallenge", Kind.Open, [], null, Expected.Ok),
        new("CheckCertificate", Kind.Open, [], null, Expected.Ok),
        new("GetRenewalGuidance", Kind.Open, [], null, Expected.Ok),
        new("SignIn", Kind.Open, [], null, Expected.Ok),
        new("WhoAmI", Kind.Anyone, [Applicant, Officer, System], null, Expected.Ok),
        // The doctor's own form again under another request id: whoever may submit it meets the open renewal.
        new("SubmitESigned", Kind.Submission, [Applicant, System], "applications:submit", OpenRenewal),
        new("SubmitWithEOnay", Kind.Submission, [Applicant, System], "applications:submit", OpenRenewal),
        new("SubmitWetSigned", Kind.Submission, [Applicant, System], "applications:submit", OpenRenewal),
        // A doctor owes no receipt: refused by the rules, never written.
        new("AttachPaymentReceipt", Kind.OnApplication, [Applicant, Officer, System], "payments:record",
            new(StatusCode.FailedPrecondition, "receipt.not_required")),
        // A stale expected version: nothing is written.
        new("Withdraw", Kind.OnApplication, [Applicant, System], "applications:withdraw", new(StatusCode.Aborted, "concurrency.version_conflict"),
            new Dictionary<string, Expected> { ["officer-mersin-1"] = new(StatusCode.PermissionDenied, "withdraw.not_the_applicant") }),
        new("Get", Kind.OnApplication, [Applicant, Officer, System], "applications:read", Expected.Ok),
        // The application was e-signed: it has no printable form.
        new("GetPrintableForm", Kind.OnApplication, [Applicant, Officer, System], "applications:read", new(StatusCode.FailedPrecondition, "NOT_WET_SIGNED")),
        new("ListMine", Kind.Own, [Applicant], null, Expected.Ok),
        new("ListQueue", Kind.Own, [Officer], null, Expected.Ok),
        new("WatchQueue", Kind.Own, [Officer], null, Expected.Ok),
        // The application was e-signed: no paper is awaited.
        new("RegisterPaperForm", Kind.OnApplication, [Officer], null, new(StatusCode.FailedPrecondition, "paper.not_awaiting")),
        // The matrix's application is in no directorate's roster check: nothing to confirm.
        new("ConfirmCategory", Kind.OnApplication, [Officer], null, new(StatusCode.FailedPrecondition, "category.not_confirmable")),
        new("GetDecisionDocument", Kind.OnApplication, [Officer], null, Expected.Ok),
        new("Decide", Kind.OnApplication, [Officer], null, new(StatusCode.Aborted, "concurrency.version_conflict")),
        new("GetApplicationDetail", Kind.OnApplication, [Officer, System], "applications:read", Expected.Ok),
        // Not approved yet: no delivery step is possible.
        new("Record", Kind.OnApplication, [Officer, System], "delivery:record", new(StatusCode.FailedPrecondition, "lifecycle.invalid_transition")),
        // The whole log's: officers of any directorate.
        new("GetCheckpoint", Kind.Own, [Officer, System], "log:read", Expected.Ok),
        new("GetConsistencyProof", Kind.Own, [Officer, System], "log:read", Expected.Ok),
        new("GetInclusionProof", Kind.OnApplication, [Applicant, Officer, System], "log:read", Expected.Ok),
        // A header for Mersin and no rows: an import that changes nothing.
        new("Import", Kind.OnTenant, [Officer, System], "roster:write", Expected.Ok),
        new("ListExpiring", Kind.TenantList, [Officer, System], "roster:read", Expected.Ok),
        new("GetExpiringStats", Kind.TenantList, [Officer, System], "roster:read", Expected.Ok),
    ];

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in Rows)
            foreach (var caller in CallerNames)
                data.Add(caller, row.Rpc);
        return data;
    }

    private static string[] RolesOf(string caller) => caller switch
    {
        "doctor" or "manager" => [Applicant],
        "officer-mersin-1" or "officer-adana" => [Applicant, Officer],
        _ => [System],
    };

    /// <summary>The directorate a list call names: system clients must name one (Mersin); officers leave it to their own.</summary>
    private static string ListTenant(string caller) => RolesOf(caller).Contains(System) ? "33" : "";

    private static string? ScopeOf(string caller) => caller.StartsWith("system:", StringComparison.Ordinal) ? caller["system:".Length..] : null;

    /// <summary>The rules, written out once: who may call what on the doctor's Mersin application.</summary>
    private static Expected Expect(string caller, Row row)
    {
        if (row.Kind == Kind.Open)
            return row.Allowed;
        if (caller == "anonymous")
            return new(StatusCode.Unauthenticated, "NOT_SIGNED_IN");
        if (caller == "bad-token")
            return new(StatusCode.Unauthenticated, "TOKEN_INVALID");
        if (!RolesOf(caller).Intersect(row.Roles).Any())
            return new(StatusCode.PermissionDenied, "ROLE_REQUIRED");
        if (RolesOf(caller).Contains(System))
        {
            var oneProvince = caller is MatrixServer.AdanaClient or MatrixServer.ThirdProvinceClient;
            if (row.Scope is not null && !oneProvince && ScopeOf(caller) != row.Scope)
                return new(StatusCode.PermissionDenied, "SCOPE_REQUIRED");
            if (oneProvince && row.Kind is Kind.Submission or Kind.OnApplication or Kind.OnTenant or Kind.TenantList)
                return new(StatusCode.PermissionDenied, "WRONG_TENANT"); // the right scope, but for another province only
            return row.Allowed;
        }
        if (row.Overrides?.TryGetValue(caller, out var special) == true)
            return special;
        if (row.Kind == Kind.Submission && caller != "doctor")
            return new(StatusCode.PermissionDenied, "FORM_NOT_YOURS");
        if (row.Kind == Kind.OnTenant && caller == "officer-adana")
            return new(StatusCode.PermissionDenied, "WRONG_TENANT");
        if (row.Kind == Kind.OnApplication)
        {
            if (caller == "officer-adana")
                return new(StatusCode.PermissionDenied, "WRONG_TENANT");
            if (caller == "manager")
                return new(StatusCode.NotFound, "application.not_found"); // another applicant learns nothing
        }
        return row.Allowed;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Caller_gets_exactly_its_status_from_the_RPC_on_the_Mersin_application(string caller, string rpc)
    {
        var row = Rows.Single(r => r.Rpc == rpc);
        var expected = Expect(caller, row);
        var call = Call(rpc, caller, world.Callers[caller]);
        if (expected.Code == StatusCode.OK)
        {
            await call();
            return;
        }
        var status = await Rpc.Refused(expected.Code, call, expected.Reason);
        if (expected.Reason == "SCOPE_REQUIRED")
            Assert.Equal(row.Scope, status.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["scope"]); // the refusal names what is missing
    }

    /// <summary>Every gRPC service of the contract, found by reflection so that a new service cannot be left out.</summary>
    private static List<ServiceDescriptor> Services()
    {
        var services = typeof(ApplicationService).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", global::System.Reflection.BindingFlags.Public | global::System.Reflection.BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(ServiceDescriptor))
            .Select(p => (ServiceDescriptor)p!.GetValue(null)!)
            .ToList();
        Assert.Contains(services, s => s.FullName == "esign.v1.DeliveryService");
        return services;
    }

    [Fact]
    public void Every_RPC_of_every_service_has_a_row()
    {
        var methods = Services().SelectMany(s => s.Methods).Select(m => m.Name).Order().ToList();
        Assert.Equal(methods, Rows.Select(r => r.Rpc).Order().ToList());
    }

    [Fact]
    public void Every_RPC_of_every_service_has_an_entry_in_the_system_client_table()
    {
        foreach (var service in Services())
            foreach (var method in service.Methods)
                Assert.True(RpcAccess.Table.ContainsKey(RpcAccess.Method(service, method.Name)), $"{service.FullName}/{method.Name} has no entry in RpcAccess.Table");
        Assert.IsType<SystemAccess.PeopleOnly>(RpcAccess.For("/esign.v1.ApplicationService/NotYetDecided")); // no entry: closed
        Assert.Equal(SystemScopes.All.Order(), Scopes.Order()); // the matrix has a client for every scope
    }

    [Fact]
    public async Task Nothing_the_matrix_does_changes_the_Mersin_application()
    {
        // Runs in any order relative to the rows: whenever it runs, the application must be as submitted.
        var now = await world.Server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = world.Mersin.Id }, world.Server.SystemHeaders());
        Assert.Equal("AWAITING_APPROVAL", now.Status);
        Assert.Equal(world.Mersin.Version, now.Version);
        Assert.Equal(CallerNames.Length * Rows.Length, Matrix().Count);
    }

    [Fact]
    public async Task With_81_provinces_served_the_doctor_lists_exactly_their_own_two_applications_and_others_none_of_them()
    {
        var s = world.Server;
        Assert.Equal(81, s.TenantCount);
        var doctors = (await s.Applications().ListMineAsync(new ListMineRequest(), world.Callers["doctor"])).Applications;
        Assert.Equal(new[] { world.Mersin.Id, world.DoctorElsewhere.Id }.Order(), doctors.Select(a => a.Id).Order());
        Assert.Equal(new[] { ("33", "AWAITING_APPROVAL"), (MatrixServer.ThirdProvince, "AWAITING_APPROVAL") },
            doctors.OrderBy(a => a.Tenant).Select(a => (a.Tenant, a.Status)));
        foreach (var other in new[] { "manager", "officer-mersin-1", "officer-adana" })
        {
            var theirs = (await s.Applications().ListMineAsync(new ListMineRequest(), world.Callers[other])).Applications.Select(a => a.Id).ToList();
            Assert.DoesNotContain(world.Mersin.Id, theirs);
            Assert.DoesNotContain(world.DoctorElsewhere.Id, theirs);
        }
    }

    [Fact]
    public async Task A_client_of_a_third_province_reads_its_own_provinces_application_and_nobody_elses()
    {
        var s = world.Server;
        var elsewhere = new GetApplicationRequest { ApplicationId = world.DoctorElsewhere.Id };
        var mersin = new GetApplicationRequest { ApplicationId = world.Mersin.Id };
        Assert.Equal(MatrixServer.ThirdProvince, (await s.Applications().GetAsync(elsewhere, world.Callers[MatrixServer.ThirdProvinceClient])).Tenant);
        await Rpc.Refused(StatusCode.PermissionDenied, () => s.Applications().GetAsync(mersin, world.Callers[MatrixServer.ThirdProvinceClient]).ResponseAsync, "WRONG_TENANT");
        // The rest of the matrix's callers meet the doctor's other application as they meet the Mersin one.
        await Rpc.Refused(StatusCode.PermissionDenied, () => s.Applications().GetAsync(elsewhere, world.Callers[MatrixServer.AdanaClient]).ResponseAsync, "WRONG_TENANT");
        await Rpc.Refused(StatusCode.PermissionDenied, () => s.Applications().GetAsync(elsewhere, world.Callers["officer-mersin-1"]).ResponseAsync, "WRONG_TENANT");
        await Rpc.Refused(StatusCode.NotFound, () => s.Applications().GetAsync(elsewhere, world.Callers["manager"]).ResponseAsync, "application.not_found");
        Assert.Equal(world.DoctorElsewhere.Id, (await s.Applications().GetAsync(elsewhere, world.Callers["doctor"])).Id);
        // Nobody serves Kocaeli's queue: Mersin's officer does not see its item.
        var queue = (await s.Approvals().ListQueueAsync(new ListQueueRequest { Page = new PageRequest { PageSize = 200 } }, world.Callers["officer-mersin-1"])).Items;
        Assert.DoesNotContain(queue, i => i.ApplicationId == world.DoctorElsewhere.Id);
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
            "WhoAmI" => async () => Assert.Equal(RolesOf(caller).Order(), (await s.Sessions().WhoAmIAsync(new WhoAmIRequest(), headers)).Roles),
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
            }, headers),
            "Withdraw" => async () => await s.Applications().WithdrawAsync(new WithdrawRequest { ApplicationId = id, ExpectedVersion = 999 }, headers),
            "Get" => async () => Assert.Equal(id, (await s.Applications().GetAsync(new GetApplicationRequest { ApplicationId = id }, headers)).Id),
            "GetPrintableForm" => async () => await s.Applications().GetPrintableFormAsync(new GetPrintableFormRequest { ApplicationId = id }, headers),
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
                new RegisterPaperFormRequest { ApplicationId = id, Copies = 2 }, headers),
            "ConfirmCategory" => async () => await s.Approvals().ConfirmCategoryAsync(
                new ConfirmCategoryRequest { ApplicationId = id, Category = ApplicantCategory.Doctor }, headers),
            "GetApplicationDetail" => async () => Assert.Equal(id, (await s.Approvals().GetApplicationDetailAsync(
                new GetApplicationDetailRequest { ApplicationId = id }, headers)).Application.Id),
            "GetDecisionDocument" => async () => Assert.Equal(world.Mersin.Version, (await s.Approvals().GetDecisionDocumentAsync(
                new GetDecisionDocumentRequest { ApplicationId = id, Decision = Decision.Approve }, headers)).Version),
            "Decide" => async () => await s.Approvals().DecideAsync(CraftedDecision(caller), headers),
            "Record" => async () => await s.Deliveries().RecordAsync(
                new RecordDeliveryEventRequest { ApplicationId = id, Event = DeliveryEvent.SentToKamuSm }, headers),
            "GetCheckpoint" => async () => Assert.True((await s.Log().GetCheckpointAsync(new GetCheckpointRequest(), headers)).TreeSize > 0),
            "GetConsistencyProof" => async () =>
            {
                var size = (await s.Log().GetCheckpointAsync(new GetCheckpointRequest(), s.SystemHeaders())).TreeSize;
                await s.Log().GetConsistencyProofAsync(new GetConsistencyProofRequest { FirstSize = size, SecondSize = size }, headers);
            },
            "GetInclusionProof" => async () => Assert.Equal(id, Encoding.UTF8.GetString((await s.Log().GetInclusionProofAsync(
                new GetInclusionProofRequest { ApplicationId = id, Version = 1 }, headers)).LeafInput.ToByteArray()).Split('\n')[2]),
            "Import" => async () =>
            {
                var report = await RosterServiceTests.ImportAsync(s, headers, new RosterImportHeader { Tenant = "33", Source = "matrix" });
                Assert.Equal((0, 0, 0), (report.Received, report.Added, report.Refused.Count));
            },
            "ListExpiring" => async () =>
            {
                var people = (await new ExpiryService.ExpiryServiceClient(s.Channel).ListExpiringAsync(
                    new ListExpiringRequest { Tenant = ListTenant(caller), WithinDays = 365, Page = new PageRequest { PageSize = 200 } }, headers)).People;
                // The doctor's Mersin submission wrote their holder row: on Mersin's list when their certificate ends within the year.
                using var certificate = global::System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Cards.CertificateDer("doctor"));
                var expiring = new DateTimeOffset(certificate.NotAfter.ToUniversalTime()) <= DateTimeOffset.UtcNow.AddDays(365);
                Assert.Equal(expiring && caller != "officer-adana",
                    people.Any(p => p.TcknMasked == Signing.Domain.Tckn.Mask(Cards.Tckn("doctor")) && p.RenewalOpen && p.ApplicationId == id));
            },
            "GetExpiringStats" => async () => Assert.Equal(90, (await new ExpiryService.ExpiryServiceClient(s.Channel).GetExpiringStatsAsync(
                new GetExpiringStatsRequest { Tenant = ListTenant(caller) }, headers)).WithinDays),
            _ => throw new InvalidOperationException($"no call for {rpc}: add one with its row"),
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
