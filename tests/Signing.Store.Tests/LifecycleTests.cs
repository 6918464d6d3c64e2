using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>Every lifecycle path end to end through Marten: events appended, inline projections in step.</summary>
[Collection(StoreCollection.Name)]
public class LifecycleTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    private async Task<long> Do(string tenant, Guid id, long version, ApplicationCommand c) => Ok(await _app.HandleAsync(tenant, id, version, c)).Version;

    [Fact]
    public async Task E_signed_doctor_approved_produced_returned_confirmed_redispatched_delivered()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var submitted = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId())));
        var id = submitted.ApplicationId;
        Assert.Equal(1, submitted.Version);

        var view = (await _app.GetAsync(code, id))!;
        Assert.Equal(ApplicationStatus.AwaitingApproval, view.Status);
        Assert.Equal(Actor.Officer, view.NextActor);
        Assert.Equal(ApplicationCode.From(id), view.ApplicationCode);
        var queue = await _app.ListQueueAsync(code, null, 10);
        Assert.True(Assert.Single(queue.Items).Ready);

        var v = await Do(code, id, 1, Approve(t, Officer1));
        Assert.Equal(3, v); // ApprovalGiven + ApplicationApproved
        Assert.Empty((await _app.ListQueueAsync(code, null, 10)).Items);
        v = await Do(code, id, v, new SendToKamuSm(Now));
        v = await Do(code, id, v, new RecordProduced(Now));
        v = await Do(code, id, v, new DispatchCourier("YK-1", Now));
        v = await Do(code, id, v, new RecordReturned("Adreste bulunamadı", Now));
        Assert.Contains("444 5 576", (await _app.GetAsync(code, id))!.NextStep);
        v = await Do(code, id, v, new ConfirmAddress("Ayşe Yılmaz", Now));
        v = await Do(code, id, v, new DispatchCourier("YK-2", Now));
        v = await Do(code, id, v, new RecordDelivered(Now));

        view = (await _app.GetAsync(code, id))!;
        Assert.Equal(ApplicationStatus.Delivered, view.Status);
        Assert.Equal(v, view.Version);
        Assert.False(view.IsOpen);
        Assert.Equal(["renewal_submitted", "approval_given", "application_approved", "sent_to_kamu_sm", "certificate_produced",
            "courier_dispatched", "returned_to_sender", "address_confirmed", "courier_dispatched", "token_delivered"], view.History.Select(h => h.Event));
        Assert.Equal(2, view.State.DispatchAttempts);

        // Delivered closes the renewal: the same person may apply again.
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId())));
        Assert.Equal(2, (await _app.ListMineAsync(Doctor.Tckn.Value, [code], 0, 10)).Count);
    }

    [Fact]
    public async Task Wet_family_physician_paper_then_receipt_then_two_approvals()
    {
        var code = NewTenant();
        var t = Tenant(code, approvals: 2);
        var id = Ok(await _app.SubmitAsync(code, Submit(t, FpExpired, RequestId(), new Confirmation.Wet(), notAfter: Now.AddDays(-10)))).ApplicationId;

        var item = Assert.Single((await _app.ListQueueAsync(code, null, 10)).Items);
        Assert.Equal([Lack.Paper, Lack.Receipt], item.Lacks);
        Assert.False(item.Ready);

        var v = await Do(code, id, 1, new RegisterPaper(t, Officer1, 2, Now));
        Assert.Equal([Lack.Receipt], Assert.Single((await _app.ListQueueAsync(code, null, 10)).Items).Lacks);

        var refused = await _app.HandleAsync(code, id, v, Approve(t, Officer1));
        Assert.Equal(FailureKind.Domain, refused.Failure!.Kind);
        Assert.Equal(ErrorCodes.NotApprovable, refused.Failure.Error.Code);

        var bad = await _app.HandleAsync(code, id, v, new AttachReceipt(ReceiptOf(FpExpired, t) with { Amount = Money.Tl(700m) }, Now));
        Assert.Equal(ErrorCodes.ReceiptAmount, bad.Failure!.Error.Code);

        v = await Do(code, id, v, new AttachReceipt(ReceiptOf(FpExpired, t), Now));
        Assert.True(Assert.Single((await _app.ListQueueAsync(code, null, 10)).Items).Ready);

        v = await Do(code, id, v, Approve(t, Officer1));
        var waiting = Assert.Single((await _app.ListQueueAsync(code, null, 10)).Items);
        Assert.Equal([Lack.SecondApproval], waiting.Lacks);
        Assert.Equal([Officer1.Value], waiting.ApprovedBy);

        Assert.Equal(ErrorCodes.SameOfficerTwice, (await _app.HandleAsync(code, id, v, Approve(t, Officer1))).Failure!.Error.Code);
        await Do(code, id, v, Approve(t, Officer2));
        Assert.Empty((await _app.ListQueueAsync(code, null, 10)).Items);
        var view = (await _app.GetAsync(code, id))!;
        Assert.Equal(ApplicationStatus.Approved, view.Status);
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", view.State.ReceiptFileSha256);
    }

    [Fact]
    public async Task Individual_postal_path_is_tracked_but_never_on_the_queue()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var id = Ok(await _app.SubmitAsync(code, Submit(t, Individual, RequestId(), new Confirmation.Wet(), notAfter: Now.AddDays(-3)))).ApplicationId;
        Assert.Empty((await _app.ListQueueAsync(code, null, 10)).Items);
        Assert.Equal(ApplicationStatus.AwaitingPostalForm, (await _app.GetAsync(code, id))!.Status);

        Assert.Equal(ErrorCodes.NotOnQueue, (await _app.HandleAsync(code, id, 1, Approve(t, Officer1))).Failure!.Error.Code);
        var v = await Do(code, id, 1, new RecordPostalFormReceived(Now.AddDays(2)));
        Assert.Equal(ErrorCodes.PriceNotShown, (await _app.HandleAsync(code, id, v, new RecordPayment(Money.Tl(1250m), Now))).Failure!.Error.Code);
        v = await Do(code, id, v, new RecordPriceShown(Money.Tl(1250m), Now.AddDays(2)));
        v = await Do(code, id, v, new RecordPayment(Money.Tl(1250m), Now.AddDays(3)));
        Assert.Equal(ApplicationStatus.PaymentPending, (await _app.GetAsync(code, id))!.Status);
        await Do(code, id, v, new RecordPaymentReflected(Now.AddDays(3).AddMinutes(5)));
        Assert.Equal(ApplicationStatus.InProduction, (await _app.GetAsync(code, id))!.Status);
        Assert.Empty((await _app.ListQueueAsync(code, null, 10)).Items);
    }

    [Fact]
    public async Task Rejection_and_withdrawal_close_the_renewal_and_free_the_TCKN()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var first = Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId()))).ApplicationId;

        var second = await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId()));
        Assert.Equal(FailureKind.Conflict, second.Failure!.Kind);
        Assert.Equal(ErrorCodes.OpenRenewalExists, second.Failure.Error.Code);
        Assert.Equal(first, second.Failure.ExistingApplicationId);

        await Do(code, first, 1, Reject(t, Officer1, "Eksik belge"));
        Assert.Equal(ApplicationStatus.Rejected, (await _app.GetAsync(code, first))!.Status);
        Assert.Empty((await _app.ListQueueAsync(code, null, 10)).Items);

        var again = Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId()))).ApplicationId;
        Assert.Equal(ErrorCodes.NotTheApplicant, (await _app.HandleAsync(code, again, 1, new Withdraw(Doctor.Tckn, "", Now))).Failure!.Error.Code);
        await Do(code, again, 1, new Withdraw(Doctor2.Tckn, "Vazgeçtim", Now));
        Assert.Equal(ApplicationStatus.Withdrawn, (await _app.GetAsync(code, again))!.Status);
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId())));
    }

    [Fact]
    public async Task Domain_refusals_come_back_typed_and_append_nothing()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var wet = await _app.SubmitAsync(code, Submit(t, FpExpiring, RequestId(), new Confirmation.Wet()));
        Assert.Equal(FailureKind.Domain, wet.Failure!.Kind);
        Assert.Equal(ErrorCodes.FamilyPhysicianMustESign, wet.Failure.Error.Code);
        // A refused submission takes no open-renewal slot.
        var id = Ok(await _app.SubmitAsync(code, Submit(t, FpExpiring, RequestId()))).ApplicationId;
        var refused = await _app.HandleAsync(code, id, 1, new RegisterPaper(t, Officer1, 2, Now));
        Assert.Equal(ErrorCodes.NotAwaitingPaper, refused.Failure!.Error.Code);
        Assert.Equal(1, (await _app.GetAsync(code, id))!.Version);
    }

    [Fact]
    public async Task A_stale_expected_version_is_a_concurrency_error_and_unknown_ids_are_not_found()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var id = Ok(await _app.SubmitAsync(code, Submit(t, Manager, RequestId()))).ApplicationId;
        var stale = await _app.HandleAsync(code, id, 0, Approve(t, Officer1));
        Assert.Equal(FailureKind.Concurrency, stale.Failure!.Kind);
        Assert.Equal(ErrorCodes.Concurrency, stale.Failure.Error.Code);
        var missing = await _app.HandleAsync(code, Guid.NewGuid(), 1, Approve(t, Officer1));
        Assert.Equal(FailureKind.NotFound, missing.Failure!.Kind);
    }
}
