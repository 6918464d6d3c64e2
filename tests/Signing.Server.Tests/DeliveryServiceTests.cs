using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Server.Tests.Infrastructure;

namespace Signing.Server.Tests;

/// <summary>
/// DeliveryService: after approval, Kamu SM production and the courier, recorded by a system feed (key) or by an officer.
/// Applications are approved in Adana (tenant 01: one approval, officer-adana) for synthetic applicants.
/// </summary>
public sealed class DeliveryServiceTests(SigningServer server) : IClassFixture<SigningServer>
{
    private const string Adana = "01";
    private readonly DeliveryService.DeliveryServiceClient _deliveries = server.Deliveries();

    private async Task<(Application App, Metadata Officer)> ApprovedAsync()
    {
        var officer = await server.SignInAsync("officer-adana");
        var app = await server.SubmitApprovableAsync(Adana, officer);
        var approved = await server.DecideAsync("officer-adana", officer, app.Id, Decision.Approve);
        Assert.Equal("APPROVED", approved.Status);
        return (approved, officer);
    }

    [Theory]
    [InlineData("system")]
    [InlineData("officer")]
    public async Task Production_and_courier_with_a_return_and_an_address_confirmation_end_in_DELIVERED(string actor)
    {
        var (app, officer) = await ApprovedAsync();
        var headers = actor == "system" ? server.SystemHeaders() : officer;
        var version = app.Version;

        async Task<Application> Record(DeliveryEvent e, string status, string detail = "", string tracking = "")
        {
            var after = await _deliveries.RecordAsync(new RecordDeliveryEventRequest
            {
                ApplicationId = app.Id, Event = e, Detail = detail, TrackingNumber = tracking, ExpectedVersion = version,
            }, headers);
            Assert.Equal(status, after.Status);
            Assert.Equal(version + 1, after.Version);
            version = after.Version;
            return after;
        }

        await Record(DeliveryEvent.SentToKamuSm, "IN_PRODUCTION");
        await Record(DeliveryEvent.Produced, "PRODUCED");
        await Record(DeliveryEvent.Dispatched, "DISPATCHED", tracking: "YK-123456789");
        var returned = await Record(DeliveryEvent.Returned, "RETURNED_TO_SENDER", detail: "Adreste bulunamadı");
        Assert.Contains("444 5 576", returned.NextStep.TextTr); // the applicant is told to call Kamu SM
        Assert.Contains("Adreste bulunamadı", returned.NextStep.Text);
        await Record(DeliveryEvent.AddressConfirmed, "ADDRESS_CONFIRMED", detail: "Başvuru sahibi, 444 5 576 araması");
        await Record(DeliveryEvent.Dispatched, "DISPATCHED", tracking: "YK-987654321");
        var delivered = await Record(DeliveryEvent.Delivered, "DELIVERED");

        Assert.Contains(delivered.History, h => h.Text == "Courier dispatched (attempt 1).");
        Assert.Contains(delivered.History, h => h.Text == "Courier dispatched (attempt 2).");
        Assert.Contains(delivered.History, h => h.Text.Contains("Adreste bulunamadı"));
        Assert.Equal("NOBODY:DELIVERED", delivered.NextStep.Code);

        // Delivered is the end: nothing more can be recorded.
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _deliveries.RecordAsync(new RecordDeliveryEventRequest
        {
            ApplicationId = app.Id, Event = DeliveryEvent.Returned, Detail = "geç",
        }, headers), "lifecycle.invalid_transition");
    }

    [Fact]
    public async Task Individual_on_Kamu_SMs_postal_path_pays_only_the_price_shown_and_only_once_it_is_shown()
    {
        // An individual applies to Kamu SM directly; the directorate (here: a Kamu SM feed with the system key) only tracks it.
        var tenant = server.NewTenant();
        var system = server.SystemHeaders();
        var wet = (await server.Applications().SubmitWetSignedAsync(new SubmitWetSignedRequest
        {
            Form = Cards.Form("individual", tenant, ApplicantCategory.Individual), ClientRequestId = Guid.NewGuid().ToString("N"),
        }, system)).Application;
        Assert.Equal("AWAITING_POSTAL_FORM", wet.Status);
        Assert.Contains("Gebze", wet.NextStep.Text);

        Task<Application> Record(DeliveryEvent e, string detail = "") =>
            _deliveries.RecordAsync(new RecordDeliveryEventRequest { ApplicationId = wet.Id, Event = e, Detail = detail }, system).ResponseAsync;

        Assert.Equal("AWAITING_PRICE", (await Record(DeliveryEvent.PostalFormReceived)).Status);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => Record(DeliveryEvent.Paid, "1250.00"), "kamusm.price_not_shown");
        Assert.Equal("AWAITING_PAYMENT", (await Record(DeliveryEvent.PriceShown, "1250.00")).Status);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => Record(DeliveryEvent.Paid, "1000.00"), "kamusm.payment_amount_mismatch");
        Assert.Equal("PAYMENT_PENDING", (await Record(DeliveryEvent.Paid, "1250.00")).Status);
        Assert.Equal("IN_PRODUCTION", (await Record(DeliveryEvent.PaymentReflected)).Status);
        Assert.Equal("PRODUCED", (await Record(DeliveryEvent.Produced)).Status);
    }

    [Fact]
    public async Task A_return_without_the_reason_is_refused_naming_detail()
    {
        var (app, officer) = await ApprovedAsync();
        foreach (var e in new[] { DeliveryEvent.SentToKamuSm, DeliveryEvent.Produced, DeliveryEvent.Dispatched })
            await _deliveries.RecordAsync(new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = e }, officer);
        await Rpc.Refused(StatusCode.InvalidArgument, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.Returned, Detail = "  " }, officer), "delivery.reason_required", "detail");
    }

    [Fact]
    public async Task An_address_confirmation_without_who_confirmed_is_refused_naming_detail()
    {
        var (app, officer) = await ApprovedAsync();
        await Rpc.Refused(StatusCode.InvalidArgument, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.AddressConfirmed }, server.SystemHeaders()),
            "delivery.confirmed_by_required", "detail");
    }

    [Fact]
    public async Task Delivered_before_dispatched_is_an_invalid_transition()
    {
        var (app, _) = await ApprovedAsync();
        await _deliveries.RecordAsync(new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.SentToKamuSm }, server.SystemHeaders());
        var status = await Rpc.Refused(StatusCode.FailedPrecondition, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.Delivered }, server.SystemHeaders()), "lifecycle.invalid_transition");
        Assert.Contains("InProduction", status.Message);
    }

    [Fact]
    public async Task Sending_to_Kamu_SM_before_approval_is_an_invalid_transition()
    {
        var officer = await server.SignInAsync("officer-adana");
        var app = await server.SubmitApprovableAsync(Adana, officer);
        await Rpc.Refused(StatusCode.FailedPrecondition, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.SentToKamuSm }, officer), "lifecycle.invalid_transition");
    }

    [Theory]
    [InlineData("bin iki yüz elli")]
    [InlineData("")]
    [InlineData("-5.00")]
    public async Task A_price_that_is_not_an_amount_is_refused_naming_detail(string detail)
    {
        var (app, _) = await ApprovedAsync();
        await Rpc.Refused(StatusCode.InvalidArgument, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = app.Id, Event = DeliveryEvent.PriceShown, Detail = detail }, server.SystemHeaders()),
            "INVALID_ARGUMENT", "detail");
    }

    [Fact]
    public async Task Missing_event_and_bad_id_are_named()
    {
        var status = await Rpc.Refused(StatusCode.InvalidArgument, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = Guid.NewGuid().ToString() }, server.SystemHeaders()), "INVALID_ARGUMENT", "event");
        Assert.NotNull(status);
        await Rpc.Refused(StatusCode.InvalidArgument, () => _deliveries.RecordAsync(
            new RecordDeliveryEventRequest { ApplicationId = "12", Event = DeliveryEvent.Produced }, server.SystemHeaders()), "INVALID_ARGUMENT", "application_id");
    }

    [Fact]
    public async Task A_stale_expected_version_is_ABORTED_and_records_nothing()
    {
        var (app, officer) = await ApprovedAsync();
        await Rpc.Refused(StatusCode.Aborted, () => _deliveries.RecordAsync(new RecordDeliveryEventRequest
        {
            ApplicationId = app.Id, Event = DeliveryEvent.SentToKamuSm, ExpectedVersion = app.Version - 1,
        }, officer), "concurrency.version_conflict");
        var now = await server.Applications().GetAsync(new GetApplicationRequest { ApplicationId = app.Id }, officer);
        Assert.Equal("APPROVED", now.Status);
        Assert.Equal(app.Version, now.Version);
    }
}
