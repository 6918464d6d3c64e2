using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;
using Money = Signing.Contracts.V1.Money;

namespace Signing.Server.Tests;

/// <summary>
/// Rules a caller could sidestep, over the real server: an officer acting on their own renewal, and payment receipts
/// (dekont) that are dated in the future, long before the application, or already attached to another application.
/// Every refusal writes nothing.
/// </summary>
public sealed class AbuseRulesTests(CentralAccountServer server) : IClassFixture<CentralAccountServer>
{
    private const string Mersin = "33";
    private static readonly TimeSpan Turkey = TimeSpan.FromHours(3);
    private readonly ApplicationService.ApplicationServiceClient _client = server.Applications();

    [Fact]
    public async Task An_officer_cannot_register_the_paper_of_their_own_application_another_officer_can()
    {
        var own = Scenario.SyntheticForm(Cards.Tckn("officer-mersin-1"), Mersin, ApplicantCategory.Doctor);
        var wet = await server.SubmitWetAsync(own);
        var officer = await server.SignInAsync("officer-mersin-1");
        var before = await EventCount();

        await Rpc.Refused(StatusCode.PermissionDenied, () => server.Approvals().RegisterPaperFormAsync(
            new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2, ExpectedVersion = wet.Version }, officer), "decision.own_application");

        Assert.Equal(before, await EventCount());
        var colleague = await server.SignInAsync("officer-mersin-2");
        var registered = await server.Approvals().RegisterPaperFormAsync(
            new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2, ExpectedVersion = wet.Version }, colleague);
        Assert.Equal("AWAITING_APPROVAL", registered.Status);
    }

    [Fact]
    public async Task A_receipt_dated_in_the_future_or_long_before_the_application_is_refused_naming_paid_on()
    {
        var (app, fp) = await FamilyPhysicianOnQueueAsync();
        var todayInTurkey = DateTimeOffset.UtcNow.ToOffset(Turkey).Date;
        var before = await EventCount();

        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(app, todayInTurkey.AddDays(2)), fp),
            "receipt.paid_on_in_future", "paid_on");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _client.AttachPaymentReceiptAsync(Receipt(app, todayInTurkey.AddDays(-400)), fp),
            "receipt.paid_on_too_early", "paid_on");

        Assert.Equal(before, await EventCount());
        var attached = await _client.AttachPaymentReceiptAsync(Receipt(app, todayInTurkey.AddDays(-30)), fp);
        Assert.DoesNotContain("RECEIPT", attached.Lacks);
    }

    [Fact]
    public async Task A_receipt_already_attached_to_another_application_is_refused_by_its_file_and_by_its_transfer()
    {
        // Two directorates paid into one account: the same transfer can be shown for either's application, once.
        var (first, fp) = await FamilyPhysicianOnQueueAsync();
        var (second, _) = await FamilyPhysicianOnQueueAsync();
        var paidOn = DateTimeOffset.UtcNow.ToOffset(Turkey).Date.AddDays(-1);
        await _client.AttachPaymentReceiptAsync(Receipt(first, paidOn), fp);
        var before = await EventCount();

        var sameFile = Receipt(second, paidOn.AddDays(-1));
        sameFile.ScannedFile = Receipt(first, paidOn).ScannedFile;
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.AttachPaymentReceiptAsync(sameFile, fp), "receipt.already_attached");
        var rescanned = Receipt(second, paidOn);
        rescanned.ScannedFile = ByteString.CopyFromUtf8("%PDF-1.4 dekont, taranmış ikinci kopya");
        rescanned.Description = "gülşen çelik 40618273540 — nes 3 yıllık başvurusu";
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _client.AttachPaymentReceiptAsync(rescanned, fp), "receipt.already_attached");

        Assert.Equal(before, await EventCount());
    }

    /// <summary>The family physician's e-signed application in a directorate of its own: on the queue, lacking the receipt.</summary>
    private async Task<(Application App, Metadata Headers)> FamilyPhysicianOnQueueAsync()
    {
        var fp = await server.SignInAsync("fp-expiring");
        var form = Cards.Form("fp-expiring", server.NewTenant(), ApplicantCategory.FamilyPhysician);
        var app = (await _client.SubmitESignedAsync(Cards.ESigned("fp-expiring", form), fp)).Application;
        Assert.Contains("RECEIPT", app.Lacks);
        return (app, fp);
    }

    private static AttachPaymentReceiptRequest Receipt(Application app, DateTime paidOn) => new()
    {
        ApplicationId = app.Id,
        Amount = new Money { Amount = "780.00", Currency = "TRY" },
        Iban = CentralAccountServer.FeeIban,
        Description = "GÜLŞEN ÇELİK 40618273540 NES 3 YILLIK BAŞVURUSU",
        PaidOn = paidOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ScannedFile = ByteString.CopyFromUtf8("%PDF-1.4 dekont " + app.Id), // a file of its own per application
        ScannedFileName = "dekont.pdf",
        ExpectedVersion = app.Version,
    };

    private Task<long> EventCount() => Events.CountAsync(server);
}

/// <summary>
/// The server with every scratch directorate's fees paid into one account, set once in Signing:TenantDefaults (as a
/// ministry collecting centrally would): a transfer is then a valid receipt for any of them.
/// </summary>
public sealed class CentralAccountServer : SigningServer
{
    public const string FeeIban = "TR34 0001 0017 4500 0000 0000 01";

    protected override void AddSettings(Dictionary<string, string?> settings) => settings["Signing:TenantDefaults:FeeIban"] = FeeIban;

    protected override IEnumerable<KeyValuePair<string, string>> TenantSettings(IEnumerable<string> codes) =>
        base.TenantSettings(codes).Where(s => !s.Key.EndsWith(":FeeIban", StringComparison.Ordinal));
}
