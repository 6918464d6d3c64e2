using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Hostile.Tests;

/// <summary>
/// The real server (SigningServer: real composition, PostgreSQL, SoftHSM) with what hostile cases start from: signed-in
/// callers, applications in every interesting state, and a valid request per RPC made with the hsm-sim personas' cards,
/// so mutations reach the verification and domain code instead of stopping at "required".
/// </summary>
public sealed class HostileWorld : IAsyncLifetime
{
    public const string Applicant = "doctor";
    public const string Officer = "officer-mersin-1";

    public SigningServer Server { get; } = new Unthrottled();
    public CallInvoker Invoker { get; private set; } = null!;

    /// <summary>Callers a case can act as; the last ones carry credentials that must not work.</summary>
    public static readonly string[] CallerNames = ["anonymous", "applicant", "officer", "system", "forged-bearer", "forged-key", "tampered-bearer"];
    private Metadata[] _callers = [];
    private DateTimeOffset _signedInAt;

    private readonly Dictionary<string, IMessage> _templates = new();
    /// <summary>Valid DER of every kind a request carries (certificates, CMS, e-Onay): the seeds of DER mutations.</summary>
    public IReadOnlyList<byte[]> DerCorpus { get; private set; } = [];
    public IReadOnlyList<string> ApplicationIds { get; private set; } = [];

    private string _countSql = "";

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Invoker = Server.Channel.CreateCallInvoker();
        await SignInAllAsync();
        var applicant = _callers[1];
        var officer = _callers[2];
        var system = Server.SystemHeaders();
        var apps = Server.Applications();

        // The applicant's own e-signed application, in a directorate of its own.
        var scratch = Server.NewTenant();
        var form = Cards.Form(Applicant, scratch, ApplicantCategory.Doctor);
        var esigned = Cards.ESigned(Applicant, form);
        var own = (await apps.SubmitESignedAsync(esigned, applicant)).Application;

        // A family physician's application that lacks its receipt (someone else's, to the applicant caller).
        var fpTenant = Server.NewTenant();
        var fpForm = Cards.Form("fp-expiring", fpTenant, ApplicantCategory.FamilyPhysician);
        var fp = (await apps.SubmitESignedAsync(Cards.ESigned("fp-expiring", fpForm), Server.SystemHeaders())).Application;

        // Mersin: one waiting for paper, one on the queue with its decision document signed on the officer's card.
        var wet = await Server.SubmitWetAsync(Scenario.SyntheticForm(Scenario.SyntheticTckn(), "33"));
        var queued = await Server.SubmitApprovableAsync("33", officer);
        var document = await Server.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = queued.Id, Decision = Decision.Approve }, officer);
        var decide = Scenario.Signed(Officer, queued.Id, document);

        // Adana (one approval): an approved application, ready for delivery events.
        var adana = await Server.SignInAsync("officer-adana");
        var approvable = await Server.SubmitApprovableAsync("01", adana);
        var approved = await Server.DecideAsync("officer-adana", adana, approvable.Id, Decision.Approve);

        // e-Onay: a confirmation from the world's issuer for a synthetic applicant's form.
        var eonayForm = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Server.NewTenant());
        var eonayJson = Cards.Json(eonayForm);
        var eonay = Scenario.EOnay(eonayForm.Tckn, Scenario.Sha256Hex(eonayJson));

        var doctorCertificate = Cards.CertificateDer(Applicant);
        var wetForm = Scenario.SyntheticForm(Scenario.SyntheticTckn(), Server.NewTenant());
        Add(new CreateChallengeRequest());
        Add(new CheckCertificateRequest { Certificate = ByteString.CopyFrom(doctorCertificate), ExpectedTckn = Cards.Tckn(Applicant), Category = ApplicantCategory.Doctor, Tenant = "33" });
        Add(new GetRenewalGuidanceRequest { Category = ApplicantCategory.FamilyPhysician, Certificate = ByteString.CopyFrom(doctorCertificate), Tenant = "33" });
        Add(new SignInRequest());
        Add(new WhoAmIRequest());
        Add(esigned);
        Add(new SubmitWithEOnayRequest { FormJson = ByteString.CopyFrom(eonayJson), EOnayConfirmation = ByteString.CopyFrom(eonay), ClientRequestId = "hostile-eonay" });
        Add(new SubmitWetSignedRequest { Form = wetForm, ClientRequestId = "hostile-wet" });
        Add(new AttachPaymentReceiptRequest
        {
            ApplicationId = fp.Id,
            Amount = new Money { Amount = "780.00", Currency = "TRY" },
            Iban = Signing.Bench.Shared.SyntheticProvinces.Iban(fpTenant), // the scratch directorate's fee account
            Description = $"{fpForm.GivenNames} {fpForm.Surname} {fpForm.Tckn} / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU",
            PaidOn = DateTime.UtcNow.ToString("yyyy-MM-dd"),
            ScannedFile = ByteString.CopyFrom(Encoding.ASCII.GetBytes("%PDF-1.4 dekont")),
            ScannedFileName = "dekont.pdf",
        });
        Add(new WithdrawRequest { ApplicationId = own.Id, Reason = "vazgeçtim" });
        Add(new GetApplicationRequest { ApplicationId = own.Id });
        Add(new GetPrintableFormRequest { ApplicationId = wet.Id });
        Add(new ListMineRequest { Page = new PageRequest { PageSize = 10 } });
        Add(new ListQueueRequest { Page = new PageRequest { PageSize = 10 }, Lacks = "PAPER", IncludeTotal = true });
        Add(new WatchQueueRequest());
        Add(new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2 });
        Add(new ConfirmCategoryRequest { ApplicationId = queued.Id, Category = ApplicantCategory.Doctor });
        Add(new GetDecisionDocumentRequest { ApplicationId = queued.Id, Decision = Decision.Reject, Reason = "eksik belge" });
        Add(new GetApplicationDetailRequest { ApplicationId = queued.Id });
        Add(decide);
        Add(new RecordDeliveryEventRequest { ApplicationId = approved.Id, Event = DeliveryEvent.SentToKamuSm, TrackingNumber = "TR123" });
        Assert.Equal(RawRpc.All.Count, _templates.Count);

        ApplicationIds = [own.Id, fp.Id, wet.Id, queued.Id, approved.Id];
        DerCorpus =
        [
            doctorCertificate, Cards.CertificateDer("fp-expired"), Cards.CertificateDer("no-qc"), Cards.CertificateDer("doctor-revoked"),
            Cards.CertificateDer("doctor-ecdsa"), Cards.CertificateDer(Officer), esigned.Cms.ToByteArray(), eonay, decide.Signature.ToByteArray(),
            Cards.Prove(Applicant, new byte[32]),
        ];
        _countSql = await CountSqlAsync();
    }

    private void Add(IMessage template)
    {
        var rpc = RawRpc.All.Single(r => r.Input.ClrType == template.GetType());
        _templates.Add(rpc.Name, template);
    }

    /// <summary>A fresh copy of the RPC's valid request; sign-in and certificate checks get a new challenge and proof.</summary>
    public async Task<IMessage> TemplateAsync(RawRpc rpc)
    {
        var copy = _templates[rpc.Name].Descriptor.Parser.ParseFrom(_templates[rpc.Name].ToByteArray());
        switch (copy)
        {
            case SignInRequest signIn:
                (signIn.ChallengeId, signIn.ProofOfPossession) = await ProofAsync();
                break;
            case CheckCertificateRequest check:
                (check.ChallengeId, check.ProofOfPossession) = await ProofAsync();
                break;
        }
        return copy;
    }

    private async Task<(string, ByteString)> ProofAsync()
    {
        try
        {
            var challenge = await Server.Certificates().CreateChallengeAsync(new CreateChallengeRequest());
            return (challenge.ChallengeId, ByteString.CopyFrom(Cards.Prove(Applicant, challenge.Nonce.ToByteArray())));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            return ("", ByteString.Empty); // a rate limit on challenges is a documented answer; the case goes on without one
        }
    }

    public async Task<Metadata> CallerAsync(int index)
    {
        // Bearer tokens expire; a long run signs in again well before they do.
        if (DateTimeOffset.UtcNow - _signedInAt > TimeSpan.FromMinutes(10))
            await SignInAllAsync();
        return _callers[index % _callers.Length];
    }

    private async Task SignInAllAsync()
    {
        var applicant = await Server.SignInAsync(Applicant);
        var officer = await Server.SignInAsync(Officer);
        var token = applicant.GetValue("authorization")!;
        // The real token with its signature's last character changed: the signature no longer matches.
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        _callers =
        [
            [],
            applicant,
            officer,
            Server.SystemHeaders(),
            new Metadata { { "authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6Im9mZmljZXIifQ." } },
            new Metadata { { "x-api-key", SigningServer.SystemKey + "x" } },
            new Metadata { { "authorization", tampered } },
        ];
        _signedInAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The last event's sequence number: read after every case, so a refused call that appended is named.</summary>
    public Task<long> LastEventAsync() => ScalarAsync(ref _lastEvent, "select coalesce(max(seq_id), 0) from signing.mt_events");

    /// <summary>Rows in every table of the store's schema: read every few hundred cases (it costs a count per table).</summary>
    public Task<long> CountRowsAsync() => ScalarAsync(ref _countRows, _countSql);

    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _lastEvent;
    private NpgsqlCommand? _countRows;

    // One connection and prepared statements for the whole run (cases run one at a time).
    private Task<long> ScalarAsync(ref NpgsqlCommand? command, string sql)
    {
        if (_connection is null)
        {
            _connection = new NpgsqlConnection(Server.ConnectionString);
            _connection.Open();
        }
        if (command is null)
        {
            command = new NpgsqlCommand(sql, _connection);
            command.Prepare();
        }
        return Execute(command);

        static async Task<long> Execute(NpgsqlCommand c) => Convert.ToInt64(await c.ExecuteScalarAsync());
    }

    private async Task<string> CountSqlAsync()
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = 'signing' and table_type = 'BASE TABLE' order by 1", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        Assert.Contains("mt_events", tables);
        return "select " + string.Join(" + ", tables.Select(t => $"(select count(*) from signing.\"{t}\")"));
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The server with its rate limits and its per-address challenge cap out of the way: thousands of cases a minute from one
/// in-process client would otherwise be answered RATE_LIMITED or TOO_MANY_CHALLENGES before they reach the code under
/// test (the limits have tests of their own).
/// </summary>
internal sealed class Unthrottled : SigningServer
{
    protected override void AddSettings(Dictionary<string, string?> settings)
    {
        settings["Signing:RateLimits:Enabled"] = "false";
        settings["Signing:RateLimits:ChallengesPerAddress"] = "100000";
    }
}
