using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Money = Signing.Domain.Money;
using Signing.Server.Auth;
using Signing.Server.Errors;

namespace Signing.Server.Services;

/// <summary>After approval: Kamu SM production and the courier, recorded by officers (their tenant) or system feeds.</summary>
public sealed class DeliveryServiceImpl(Applications applications, Authenticator auth) : DeliveryService.DeliveryServiceBase
{
    public override async Task<Contracts.V1.Application> Record(RecordDeliveryEventRequest request, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Officer, Roles.System);
        var id = Requests.ApplicationId(request.ApplicationId);
        var check = new RequestCheck()
            .Require(request.Event != DeliveryEvent.Unspecified, "event", "required: what happened (SENT_TO_KAMU_SM, PRODUCED, DISPATCHED, DELIVERED, RETURNED, ADDRESS_CONFIRMED, …)",
                "zorunlu: olay türü")
            .Text("detail", request.Detail, 500, multiline: true)
            .Text("tracking_number", request.TrackingNumber, 64)
            .Require(request.ExpectedVersion >= 0, "expected_version", "must not be negative", "negatif olamaz");
        var now = applications.Now;
        Money amount = default;
        if (request.Event is DeliveryEvent.PriceShown or DeliveryEvent.Paid)
            check.Require(Money.TryParse(request.Detail, out amount), "detail", "the amount in TRY, e.g. \"1250.00\"", "TL cinsinden tutar, örneğin \"1250.00\"");
        check.ThrowIfInvalid();
        ApplicationCommand command = request.Event switch
        {
            DeliveryEvent.SentToKamuSm => new SendToKamuSm(now),
            DeliveryEvent.Produced => new RecordProduced(now),
            DeliveryEvent.Dispatched => new DispatchCourier(string.IsNullOrWhiteSpace(request.TrackingNumber) ? null : request.TrackingNumber.Trim(), now),
            DeliveryEvent.Delivered => new RecordDelivered(now),
            DeliveryEvent.Returned => new RecordReturned(request.Detail, now),
            DeliveryEvent.AddressConfirmed => new ConfirmAddress(request.Detail, now),
            DeliveryEvent.PostalFormReceived => new RecordPostalFormReceived(now),
            DeliveryEvent.PriceShown => new RecordPriceShown(amount, now),
            DeliveryEvent.Paid => new RecordPayment(amount, now),
            DeliveryEvent.PaymentReflected => new RecordPaymentReflected(now),
            _ => throw ServiceError.InvalidArgument("event", $"unknown event {(int)request.Event}", "bilinmeyen olay"),
        };
        var (tenant, view) = await applications.LocateAsync(id, caller, context.CancellationToken);
        return await applications.HandleAsync(tenant, view, request.ExpectedVersion, command, context.CancellationToken);
    }
}
