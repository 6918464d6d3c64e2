using Signing.Domain;
using static Signing.Domain.Tests.TestData;

namespace Signing.Domain.Tests;

/// <summary>After approval: Kamu SM produces, the courier delivers to the person only, returns go through 444 5 576.</summary>
public class DeliveryTests
{
    private static readonly List<IApplicationEvent> Approved =
        Spec.Run(Submit(Doctor, ESignedBy(Doctor)), new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now));

    private static List<IApplicationEvent> Then(List<IApplicationEvent> given, ApplicationCommand c) => [.. given, .. Spec.Accepted(given, c)];

    [Fact]
    public void Approved_is_sent_to_Kamu_SM_produced_dispatched_and_delivered()
    {
        Spec.Then(Approved, new SendToKamuSm(Now), new SentToKamuSm(Now));
        var sent = Then(Approved, new SendToKamuSm(Now));
        Assert.Equal(ApplicationStatus.InProduction, Spec.State([.. sent]).Status);
        Spec.Then(sent, new RecordProduced(Now), new CertificateProduced(Now));
        var produced = Then(sent, new RecordProduced(Now));
        Spec.Then(produced, new DispatchCourier("YK-1", Now), new CourierDispatched(1, "YK-1", Now));
        var dispatched = Then(produced, new DispatchCourier("YK-1", Now));
        Spec.Then(dispatched, new RecordDelivered(Now), new TokenDelivered(Now));
        var delivered = Spec.State([.. Then(dispatched, new RecordDelivered(Now))]);
        Assert.Equal(ApplicationStatus.Delivered, delivered.Status);
        Assert.False(delivered.IsOpen());
    }

    [Fact]
    public void Returned_then_address_confirmed_through_444_5_576_then_dispatched_again()
    {
        var dispatched = Spec.Run([.. new ApplicationCommand[]
        {
            Submit(Doctor, ESignedBy(Doctor)), new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now),
            new SendToKamuSm(Now), new RecordProduced(Now), new DispatchCourier(null, Now),
        }]);
        Spec.Then(dispatched, new RecordReturned("Adreste bulunamadı", Now), new ReturnedToSender("Adreste bulunamadı", Now));
        var returned = Then(dispatched, new RecordReturned("Adreste bulunamadı", Now));
        var returnedState = Spec.State([.. returned]);
        Assert.Equal(ApplicationStatus.ReturnedToSender, returnedState.Status);
        Assert.Contains("444 5 576", ApplicationProgress.Next(returnedState).What);

        Spec.Then(returned, new ConfirmAddress("Ayşe Yılmaz (applicant)", Now), new AddressConfirmed("Ayşe Yılmaz (applicant)", "444 5 576", Now));
        var confirmed = Then(returned, new ConfirmAddress("Ayşe Yılmaz (applicant)", Now));
        Spec.Then(confirmed, new DispatchCourier("YK-2", Now), new CourierDispatched(2, "YK-2", Now));
    }

    [Fact]
    public void A_return_needs_a_reason_and_a_confirmation_needs_a_name()
    {
        var dispatched = Spec.Run(Submit(Doctor, ESignedBy(Doctor)), new Approve(Mersin(), OfficerMersin1, SignatureOf(OfficerMersin1), Now),
            new SendToKamuSm(Now), new RecordProduced(Now), new DispatchCourier(null, Now));
        Spec.Refused(dispatched, new RecordReturned("", Now), ErrorCodes.ReturnReasonRequired);
        var returned = Then(dispatched, new RecordReturned("Yanlış adres", Now));
        Spec.Refused(returned, new ConfirmAddress(" ", Now), ErrorCodes.ConfirmedByRequired);
    }

    [Theory]
    [MemberData(nameof(OutOfOrder))]
    public void Steps_out_of_order_are_refused(ApplicationCommand command) =>
        Spec.Refused(Spec.Run(Submit(Doctor, ESignedBy(Doctor))), command, ErrorCodes.InvalidTransition);

    public static IEnumerable<object[]> OutOfOrder() =>
    [
        [new SendToKamuSm(Now)], [new RecordProduced(Now)], [new DispatchCourier(null, Now)], [new RecordDelivered(Now)],
        [new RecordReturned("x", Now)], [new ConfirmAddress("x", Now)], [new RecordPostalFormReceived(Now)],
        [new RecordPriceShown(Money.Tl(1m), Now)], [new RecordPaymentReflected(Now)], [new RecordPayment(Money.Tl(1m), Now)],
    ];

    [Fact]
    public void Delivery_cannot_be_recorded_before_dispatch_nor_twice()
    {
        var sent = Then(Approved, new SendToKamuSm(Now));
        Spec.Refused(sent, new RecordDelivered(Now), ErrorCodes.InvalidTransition);
        Spec.Refused(Approved, new DispatchCourier(null, Now), ErrorCodes.InvalidTransition);
    }
}

/// <summary>Individual (self-paid) staff: tracked along Kamu SM's path.</summary>
public class IndividualPathTests
{
    [Fact]
    public void Postal_form_received_price_shown_paid_reflected_in_production_then_courier()
    {
        var events = Spec.Run(
            Submit(Individual, Wet, notAfter: Now.AddDays(-5)),
            new RecordPostalFormReceived(Now.AddDays(3)),
            new RecordPriceShown(Money.Tl(1250m), Now.AddDays(3)),
            new RecordPayment(Money.Tl(1250m), Now.AddDays(4)));
        var pending = Spec.State([.. events]);
        Assert.Equal(ApplicationStatus.PaymentPending, pending.Status);
        Assert.Contains("5 minutes", ApplicationProgress.Next(pending).What);
        events.AddRange(Spec.Accepted(events, new RecordPaymentReflected(Now.AddDays(4).AddMinutes(5))));
        Assert.Equal(ApplicationStatus.InProduction, Spec.State([.. events]).Status);
        events.AddRange(Spec.Accepted(events, new RecordProduced(Now.AddDays(6))));
        events.AddRange(Spec.Accepted(events, new DispatchCourier(null, Now.AddDays(7))));
        Assert.Equal(ApplicationStatus.Dispatched, Spec.State([.. events]).Status);
    }

    [Fact]
    public void Paying_before_the_price_is_shown_is_refused()
    {
        var given = Spec.Run(Submit(Individual, ESignedBy(Individual)));
        var error = Spec.Refused(given, new RecordPayment(Money.Tl(1250m), Now), ErrorCodes.PriceNotShown);
        Assert.Contains("only once it is shown", error.Message);
    }

    [Fact]
    public void The_payment_must_equal_the_price_shown()
    {
        var given = Spec.Run(Submit(Individual, ESignedBy(Individual)), new RecordPriceShown(Money.Tl(1250m), Now));
        Spec.Refused(given, new RecordPayment(Money.Tl(1000m), Now), ErrorCodes.PaymentAmount);
    }

    [Fact]
    public void Postal_form_is_only_awaited_on_the_wet_path() =>
        Spec.Refused(Spec.Run(Submit(Individual, ESignedBy(Individual))), new RecordPostalFormReceived(Now), ErrorCodes.InvalidTransition);

    [Fact]
    public void No_withdrawal_once_paid()
    {
        var given = Spec.Run(Submit(Individual, ESignedBy(Individual)), new RecordPriceShown(Money.Tl(1250m), Now), new RecordPayment(Money.Tl(1250m), Now));
        Spec.Refused(given, new Withdraw(Individual.Tckn, "", Now), ErrorCodes.NotWithdrawable);
    }
}
