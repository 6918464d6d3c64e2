using System.CommandLine;
using Signing.Contracts.V1;

namespace Signing.Cli.Commands.Desk;

/// <summary>`esign delivery record`: what happened after approval, recorded by an officer or a system client.</summary>
internal static class DeliveryCommands
{
    internal static readonly Dictionary<string, DeliveryEvent> DeliveryEvents = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sent-to-kamu-sm"] = DeliveryEvent.SentToKamuSm,
        ["produced"] = DeliveryEvent.Produced,
        ["dispatched"] = DeliveryEvent.Dispatched,
        ["delivered"] = DeliveryEvent.Delivered,
        ["returned"] = DeliveryEvent.Returned,
        ["address-confirmed"] = DeliveryEvent.AddressConfirmed,
        ["postal-form-received"] = DeliveryEvent.PostalFormReceived,
        ["price-shown"] = DeliveryEvent.PriceShown,
        ["paid"] = DeliveryEvent.Paid,
        ["payment-reflected"] = DeliveryEvent.PaymentReflected,
    };

    public static Command Delivery()
    {
        var id = ApplicationCommands.IdArgument();
        var ev = new Option<string>("--event")
        {
            Description = "What happened: " + string.Join(", ", DeliveryEvents.Keys) + ".",
            Required = true,
            HelpName = "EVENT",
        }.AcceptOnlyFromAmong([.. DeliveryEvents.Keys]);
        var detail = new Option<string?>("--detail") { Description = "returned: why; address-confirmed: who confirmed; price-shown / paid: the amount." };
        var tracking = new Option<string?>("--tracking") { Description = "Courier tracking number." };
        var apiKeyEnv = new Option<string?>("--api-key-env")
        {
            Description = "System clients (courier, Kamu SM feed): read the API key from this environment variable instead of signing in.",
            HelpName = "VAR",
        };
        var version = ApplicationCommands.VersionOption();
        var record = new Command("record",
            "Record what happened after approval: sent-to-kamu-sm → produced → dispatched → (returned → address-confirmed → dispatched) → delivered. " + DeskExit.SeeHelp)
        {
            id, ev, detail, tracking, apiKeyEnv, version,
        };
        var o = DeskOptions.AddTo(record);
        record.SetAction(parse =>
        {
            using var ctx = new DeskContext(parse, o);
            return ctx.Run(() =>
            {
                var name = parse.GetValue(ev)!;
                var kind = DeliveryEvents[name];
                var detailText = parse.GetValue(detail) ?? "";
                if (kind is DeliveryEvent.Returned or DeliveryEvent.AddressConfirmed && string.IsNullOrWhiteSpace(detailText))
                    throw new UsageException(kind == DeliveryEvent.Returned
                        ? "--detail is required for returned: why the envelope came back"
                        : "--detail is required for address-confirmed: who confirmed the address");
                var call = parse.GetValue(apiKeyEnv) is { Length: > 0 } variable ? ctx.WithApiKey(variable) : ctx.Authed();
                var appId = ApplicationCommands.ResolveId(ctx, parse.GetValue(id)!, call);
                var app = new DeliveryService.DeliveryServiceClient(ctx.Channel).Record(new RecordDeliveryEventRequest
                {
                    ApplicationId = appId,
                    Event = kind,
                    Detail = detailText,
                    TrackingNumber = parse.GetValue(tracking) ?? "",
                    ExpectedVersion = ApplicationCommands.VersionFor(ctx, appId, parse.GetValue(version), call),
                }, call);
                if (ctx.Json)
                    ctx.WriteJson(DeskContext.ToNode(app));
                else
                {
                    ctx.Line(ctx.T("delivery.ok", name));
                    Views.Application(ctx, app, withHistory: false);
                }
                return DeskExit.Ok;
            });
        });
        return new Command("delivery", "After approval: production at Kamu SM and the courier.") { record };
    }
}
