namespace Signing.Domain;

/// <summary>The decider's other half: how each event changes the state, and a stream folded into one.</summary>
public static partial class ApplicationDecider
{
    public static ApplicationState Evolve(ApplicationState state, IApplicationEvent @event)
    {
        var s = state with { UpdatedAt = @event.At };
        return @event switch
        {
            RenewalSubmitted e => s with
            {
                Id = e.ApplicationId,
                Tenant = e.Tenant,
                ClientRequestId = e.ClientRequestId,
                ApplicationCode = e.ApplicationCode,
                ApplicantTckn = e.ApplicantTckn,
                GivenName = e.GivenName,
                Surname = e.Surname,
                Category = e.Category,
                ClaimedCategory = e.ClaimedCategory,
                CategoryUnconfirmed = e.CategoryUnconfirmed,
                Method = e.Method,
                Route = e.Route,
                DeliveryAddress = e.DeliveryAddress,
                SubmittedAt = e.At,
                CurrentCertificateNotAfter = e.CurrentCertificateNotAfter,
                FeeDue = e.FeeDue,
                FeeIban = e.FeeIban,
                ApprovalsRequired = e.ApprovalsRequired,
                Status = e.Route switch
                {
                    ApplicationRoute.DirectorateQueue => ApplicationStatus.AwaitingApproval,
                    ApplicationRoute.DirectoratePaper => ApplicationStatus.AwaitingPaper,
                    ApplicationRoute.KamuSmPostal => ApplicationStatus.AwaitingPostalForm,
                    _ => ApplicationStatus.AwaitingPrice,
                },
            },
            CategoryConfirmed e => s with { Category = e.Category, CategoryUnconfirmed = false, FeeDue = e.FeeDue, FeeIban = e.FeeIban },
            PaperRegistered => s with { PaperRegistered = true, Status = ApplicationStatus.AwaitingApproval },
            ReceiptAttached e => s with { ReceiptFileSha256 = e.FileSha256, Receipt = e },
            ApprovalGiven e => s with { Approvals = [.. s.Approvals, e.OfficerTckn] },
            ApplicationApproved => s with { Status = ApplicationStatus.Approved },
            ApplicationRejected e => s with { Status = ApplicationStatus.Rejected, DecisionReason = e.Reason },
            ApplicationWithdrawn e => s with { Status = ApplicationStatus.Withdrawn, DecisionReason = e.Reason },
            SentToKamuSm => s with { Status = ApplicationStatus.InProduction },
            CertificateProduced => s with { Status = ApplicationStatus.Produced },
            CourierDispatched e => s with { Status = ApplicationStatus.Dispatched, DispatchAttempts = e.Attempt },
            TokenDelivered => s with { Status = ApplicationStatus.Delivered },
            ReturnedToSender e => s with { Status = ApplicationStatus.ReturnedToSender, LastReturnReason = e.Reason },
            AddressConfirmed => s with { Status = ApplicationStatus.AddressConfirmed },
            PostalFormReceived => s with { Status = ApplicationStatus.AwaitingPrice },
            PriceShown e => s with { Status = ApplicationStatus.AwaitingPayment, Price = e.Price },
            PaymentMade e => s with { Status = ApplicationStatus.PaymentPending, PaidAt = e.At },
            PaymentReflected => s with { Status = ApplicationStatus.InProduction },
            _ => state,
        };
    }

    public static ApplicationState Fold(IEnumerable<IApplicationEvent> events) => events.Aggregate(ApplicationState.Initial, Evolve);
}
