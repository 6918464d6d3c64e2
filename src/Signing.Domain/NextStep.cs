namespace Signing.Domain;

public enum Actor
{
    Nobody,
    Applicant,
    Officer,
    KamuSm,
    Courier,
}

/// <summary>"Where is my application?" — who has to do what next.</summary>
public sealed record NextStep(Actor Who, string What);

public static class ApplicationProgress
{
    public static NextStep Next(ApplicationState s) => s.Status switch
    {
        ApplicationStatus.AwaitingPaper when s.ReceiptRequired() && s.ReceiptFileSha256 is null =>
            new(Actor.Applicant, $"Bring the {KamuSm.PaperCopies} signed copies of the form and the bank receipt (dekont) to the e-signature officer's desk."),
        ApplicationStatus.AwaitingPaper =>
            new(Actor.Applicant, $"Bring the {KamuSm.PaperCopies} signed copies of the form to the e-signature officer's desk."),
        ApplicationStatus.AwaitingApproval when s.ReceiptRequired() && s.ReceiptFileSha256 is null =>
            new(Actor.Applicant, $"Send the bank receipt (dekont) of the {Money.Tl(s.FeeDue!.Value)} fee to the officer; the description must read {KamuSm.ReceiptTemplate}."),
        ApplicationStatus.AwaitingApproval when s.CategoryUnconfirmed =>
            new(Actor.Officer, $"The e-signature officer confirms the applicant's category ({s.Category}): the directorate's staff list did not."),
        ApplicationStatus.AwaitingApproval when s.Approvals.Count > 0 =>
            new(Actor.Officer, "A second officer approves (this directorate requires two approvals)."),
        ApplicationStatus.AwaitingApproval => new(Actor.Officer, "The e-signature officer approves or rejects the application."),
        ApplicationStatus.Approved => new(Actor.Officer, "The approved application is sent to Kamu SM for production."),
        ApplicationStatus.AwaitingPostalForm =>
            new(Actor.Applicant, $"Post one wet-signed copy of the form to {KamuSm.PostalAddress} (keep the other); the price appears once it arrives."),
        ApplicationStatus.AwaitingPrice => new(Actor.KamuSm, "Kamu SM shows the price once the form has reached it; do not pay before."),
        ApplicationStatus.AwaitingPayment =>
            new(Actor.Applicant, $"Pay {Money.Tl(s.Price!.Value)} at Kamu SM ({KamuSm.IndividualMenu})."),
        ApplicationStatus.PaymentPending =>
            new(Actor.KamuSm, $"The payment shows up at Kamu SM about {KamuSm.PaymentReflectionDelay.TotalMinutes:0} minutes after paying (by {s.PaidAt!.Value.Add(KamuSm.PaymentReflectionDelay):yyyy-MM-dd HH:mm})."),
        ApplicationStatus.InProduction => new(Actor.KamuSm, "Kamu SM produces the new NES token."),
        ApplicationStatus.Produced => new(Actor.KamuSm, "Kamu SM hands the token to the courier."),
        ApplicationStatus.Dispatched =>
            new(Actor.Courier, "The courier delivers the token to the applicant in person only; be at the delivery address."),
        ApplicationStatus.ReturnedToSender =>
            new(Actor.Applicant, $"The envelope went back to TÜBİTAK ({s.LastReturnReason}): call Kamu SM on {KamuSm.CallCentre} to confirm the address."),
        ApplicationStatus.AddressConfirmed => new(Actor.KamuSm, "Kamu SM sends the token again by courier."),
        ApplicationStatus.Delivered => new(Actor.Nobody, "Delivered. Nothing more to do."),
        ApplicationStatus.Rejected => new(Actor.Nobody, $"Rejected: {s.DecisionReason}. A new application can be made."),
        ApplicationStatus.Withdrawn => new(Actor.Nobody, "Withdrawn. A new application can be made."),
        _ => new(Actor.Nobody, ""),
    };

    /// <summary>
    /// Who did what the event records, from the event itself: "applicant", an officer as "Name (123******01)" (or
    /// "officer 123******01" for an event written before names were kept), "courier" for the courier's events, the
    /// system client or person that confirmed an address, "system" otherwise.
    /// </summary>
    public static string ActorOf(IApplicationEvent e) => e switch
    {
        RenewalSubmitted s when s.Submitter?.StartsWith("system:", StringComparison.Ordinal) == true => s.Submitter["system:".Length..],
        RenewalSubmitted or ReceiptAttached or ApplicationWithdrawn => "applicant",
        CategoryConfirmed c => Officer(c.OfficerTckn, c.OfficerName),
        PaperRegistered p => Officer(p.OfficerTckn, p.OfficerName),
        ApprovalGiven a => Officer(a.OfficerTckn, a.OfficerName),
        ApplicationRejected r => Officer(r.OfficerTckn, r.OfficerName),
        CourierDispatched or TokenDelivered or ReturnedToSender => "courier",
        AddressConfirmed a when a.ConfirmedBy.Length > 0 => a.ConfirmedBy,
        _ => "system",
    };

    private static string Officer(string tckn, string? name) =>
        string.IsNullOrWhiteSpace(name) ? "officer " + Tckn.Mask(tckn) : $"{name.Trim()} ({Tckn.Mask(tckn)})";

    /// <summary>One line of history for the applicant's view (English; the view keeps the event type too).</summary>
    public static string Describe(IApplicationEvent e) => e switch
    {
        RenewalSubmitted s => $"Renewal (YENİLEME) submitted, confirmed by {s.Method}.",
        CategoryConfirmed c => $"Category confirmed as {c.Category} by officer {Tckn.Mask(c.OfficerTckn)}.",
        PaperRegistered p => $"{p.Copies} signed paper copies registered by officer {Tckn.Mask(p.OfficerTckn)}.",
        ReceiptAttached r => $"Receipt of {Money.Tl(r.Amount)} paid on {r.PaidOn:yyyy-MM-dd} attached.",
        ApprovalGiven a => $"Approved by officer {Tckn.Mask(a.OfficerTckn)}.",
        ApplicationApproved => "Application approved.",
        ApplicationRejected r => $"Rejected by officer {Tckn.Mask(r.OfficerTckn)}: {r.Reason}.",
        ApplicationWithdrawn w => $"Withdrawn by the applicant{(w.Reason.Length > 0 ? ": " + w.Reason : "")}.",
        SentToKamuSm => "Sent to Kamu SM for production.",
        CertificateProduced => "Token produced by Kamu SM.",
        CourierDispatched c => $"Courier dispatched (attempt {c.Attempt}).",
        TokenDelivered => "Token delivered in person.",
        ReturnedToSender r => $"Returned to TÜBİTAK: {r.Reason}.",
        AddressConfirmed a => $"Address confirmed through {a.Channel} by {a.ConfirmedBy}.",
        PostalFormReceived => "Postal form received by Kamu SM.",
        PriceShown p => $"Price shown by Kamu SM: {Money.Tl(p.Price)}.",
        PaymentMade p => $"Paid {Money.Tl(p.Amount)} to Kamu SM.",
        PaymentReflected => "Payment reflected at Kamu SM; production starts.",
        _ => e.GetType().Name,
    };
}
