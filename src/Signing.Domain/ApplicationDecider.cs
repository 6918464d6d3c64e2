namespace Signing.Domain;

/// <summary>
/// The renewal application as a decider: <c>Decide(command, state) → events | error</c> and
/// <c>Evolve(state, event) → state</c>. Pure: no clock, no I/O; verification verdicts arrive as facts.
/// </summary>
public static partial class ApplicationDecider
{
    public static Decision Decide(ApplicationCommand command, ApplicationState state)
    {
        if (command is SubmitRenewal submit)
            return Submit(submit, state);
        if (!state.IsSubmitted())
            return Decision.Refuse(ErrorCodes.NotSubmitted, "There is no such application.");
        return command switch
        {
            RegisterPaper c => RegisterPaper(c, state),
            ConfirmCategory c => ConfirmCategory(c, state),
            AttachReceipt c => AttachReceipt(c, state),
            Approve c => Approve(c, state),
            Reject c => Reject(c, state),
            Withdraw c => Withdraw(c, state),
            SendToKamuSm c => Step(state, c, "send to Kamu SM", [ApplicationStatus.Approved], () => new SentToKamuSm(c.At)),
            RecordProduced c => Step(state, c, "record production", [ApplicationStatus.InProduction], () => new CertificateProduced(c.At)),
            DispatchCourier c => Step(state, c, "dispatch the courier", [ApplicationStatus.Produced, ApplicationStatus.AddressConfirmed],
                () => new CourierDispatched(state.DispatchAttempts + 1, c.TrackingNumber, c.At)),
            RecordDelivered c => Step(state, c, "record delivery", [ApplicationStatus.Dispatched], () => new TokenDelivered(c.At)),
            RecordReturned c => string.IsNullOrWhiteSpace(c.Reason)
                ? Decision.Refuse(ErrorCodes.ReturnReasonRequired, "A returned envelope needs the reason (nobody at the address, wrong address…).")
                : Step(state, c, "record a return to sender", [ApplicationStatus.Dispatched], () => new ReturnedToSender(c.Reason.Trim(), c.At)),
            ConfirmAddress c => string.IsNullOrWhiteSpace(c.ConfirmedBy)
                ? Decision.Refuse(ErrorCodes.ConfirmedByRequired, $"Say who confirmed the address on the {KamuSm.CallCentre} call.")
                : Step(state, c, "confirm the address", [ApplicationStatus.ReturnedToSender], () => new AddressConfirmed(c.ConfirmedBy.Trim(), c.Channel, c.At)),
            RecordPostalFormReceived c => Step(state, c, "record the postal form's arrival at Kamu SM", [ApplicationStatus.AwaitingPostalForm], () => new PostalFormReceived(c.At)),
            RecordPriceShown c => c.Price.Amount <= 0
                ? Decision.Refuse(ErrorCodes.InvalidTransition, "A price shown by Kamu SM is more than zero.")
                : Step(state, c, "record the price", [ApplicationStatus.AwaitingPrice], () => new PriceShown(c.Price.Amount, c.At)),
            RecordPayment c => RecordPayment(c, state),
            RecordPaymentReflected c => Step(state, c, "record the payment as reflected", [ApplicationStatus.PaymentPending], () => new PaymentReflected(c.At)),
            _ => Decision.Refuse(ErrorCodes.InvalidTransition, $"Unknown command {command.GetType().Name}."),
        };
    }

    private static Decision Submit(SubmitRenewal c, ApplicationState state)
    {
        if (state.IsSubmitted())
            return Decision.Refuse(ErrorCodes.AlreadySubmitted, "This application has already been submitted.");
        if (c.Reason != ApplicationReason.Yenileme)
            return Decision.Refuse(ErrorCodes.ReasonNotRenewal, $"Only renewals (başvuru nedeni YENİLEME) are handled here, not {c.Reason}.");
        if (c.Kind != CertificateKind.Nes)
            return Decision.Refuse(ErrorCodes.KindNotNes, "Only NES (qualified electronic certificate) renewals are handled here.");
        if (c.TermYears != KamuSm.NesTermYears)
            return Decision.Refuse(ErrorCodes.TermNotThreeYears, $"A NES is issued for {KamuSm.NesTermYears} years, not {c.TermYears}.");
        if (string.IsNullOrWhiteSpace(c.Contact.Email) && string.IsNullOrWhiteSpace(c.Contact.Phone))
            return Decision.Refuse(ErrorCodes.MissingContact, "An e-mail address or a phone number is needed to reach the applicant.");
        if (string.IsNullOrWhiteSpace(c.DeliveryAddress))
            return Decision.Refuse(ErrorCodes.MissingAddress, "The token is delivered by courier to the person only: a delivery address is needed.");

        var applicant = c.Applicant;
        if (CategoryOf(c) is not ({ } category, var unconfirmed))
            return RosterRefusal(c);
        var certificateValid = RenewalWindow.CanESign(c.CurrentCertificate.NotAfter, c.At);
        if (category == ApplicantCategory.FamilyPhysician && certificateValid && c.Confirmation.Method != ConfirmationMethod.ESignature)
            return Decision.Refuse(ErrorCodes.FamilyPhysicianMustESign,
                $"A family physician whose NES is still valid (until {c.CurrentCertificate.NotAfter:yyyy-MM-dd}) must sign the form with it; " +
                $"{(c.Confirmation.Method == ConfirmationMethod.WetSignature ? "a wet-signed form" : "e-Onay")} is only for an expired NES.");

        string? signerCertificate = null, eOnayReference = null;
        switch (c.Confirmation)
        {
            case Confirmation.ESigned { Facts: var f }:
                // An expired signer is the one failure with a clear way out, so it is named as such.
                if (f.Indication != Indication.Passed && f.SubIndication == "EXPIRED" && f.CertificateNotAfter <= c.At)
                    return Decision.Refuse(ErrorCodes.SigningCertificateExpired, "The signing certificate has expired: use e-Onay or a wet-signed form.");
                if (f.Indication != Indication.Passed)
                    return Decision.Refuse(ErrorCodes.SignatureNotPassed,
                        $"The form's signature did not verify ({f.Indication}{(f.SubIndication is null ? "" : "/" + f.SubIndication)}).");
                if (f.SignerTckn != applicant.Tckn.Value)
                    return Decision.Refuse(ErrorCodes.SignerNotApplicant,
                        $"The form was signed by {Tckn.Mask(f.SignerTckn)}, not by the applicant {applicant.Tckn.Mask()}.");
                if (f.CertificateNotAfter <= c.At)
                    return Decision.Refuse(ErrorCodes.SigningCertificateExpired, "The signing certificate has expired: use e-Onay or a wet-signed form.");
                signerCertificate = f.CertificateSha256;
                break;
            case Confirmation.EOnay { Facts: var f }:
                if (f.Indication != Indication.Passed)
                    return Decision.Refuse(ErrorCodes.EOnayNotConfirmed, $"The e-Onay confirmation did not verify ({f.Indication}).");
                if (f.Tckn != applicant.Tckn.Value)
                    return Decision.Refuse(ErrorCodes.EOnayNotApplicant,
                        $"The e-Onay confirmation is for {Tckn.Mask(f.Tckn)}, not for the applicant {applicant.Tckn.Mask()}.");
                eOnayReference = f.Reference;
                break;
        }

        var wet = c.Confirmation.Method == ConfirmationMethod.WetSignature;
        var route = category == ApplicantCategory.Individual
            ? (wet ? ApplicationRoute.KamuSmPostal : ApplicationRoute.KamuSmOnline)
            : (wet ? ApplicationRoute.DirectoratePaper : ApplicationRoute.DirectorateQueue);
        var familyPhysician = category == ApplicantCategory.FamilyPhysician;
        return Decision.Accept(new RenewalSubmitted(
            c.ApplicationId, c.Tenant.ProvinceCode, c.ClientRequestId, ApplicationCode.From(c.ApplicationId),
            applicant.Tckn.Value, applicant.Name.GivenName, applicant.Name.Surname, category,
            c.Contact.Email.Trim(), c.Contact.Phone.Trim(), c.DeliveryAddress.Trim(),
            c.CurrentCertificate.NotAfter, c.CurrentCertificate.Sha256,
            c.Confirmation.Method, route, signerCertificate, eOnayReference,
            familyPhysician ? c.Tenant.Fee.Amount : null,
            familyPhysician ? c.Tenant.FeeIban.Value : null,
            route is ApplicationRoute.DirectorateQueue or ApplicationRoute.DirectoratePaper ? Math.Max(1, c.Tenant.ApprovalsRequired) : 0,
            c.At, c.Submitter, c.ContentSha256, c.Institution.Trim(), c.Evidence,
            // Only the directorate's queue has an officer to confirm it; Kamu SM's route is tracked, not approved here.
            CategoryUnconfirmed: unconfirmed && route is ApplicationRoute.DirectorateQueue or ApplicationRoute.DirectoratePaper,
            ClaimedCategory: category == applicant.Category ? null : applicant.Category));
    }

    /// <summary>
    /// The category the rules apply and whether an officer must confirm it; null when the roster's category refuses the
    /// submission. No roster: the applicant's word. Not on the roster: the applicant's word, unconfirmed. On it with
    /// another category: refused, or (a directorate that flags) the roster's category, unconfirmed; never across the line
    /// between the directorate's queue and Kamu SM's individual route, which the officer's queue could not undo.
    /// </summary>
    private static (ApplicantCategory Category, bool Unconfirmed)? CategoryOf(SubmitRenewal c)
    {
        var claimed = c.Applicant.Category;
        if (c.Roster is null)
            return (claimed, false);
        if (c.Roster.Category is not { } listed)
            return (claimed, true);
        var expected = listed.Applicant();
        if (expected == claimed)
            return (claimed, false);
        if (c.Tenant.CategoryCheck == CategoryCheck.Flag && expected != ApplicantCategory.Individual && claimed != ApplicantCategory.Individual)
            return (expected, true);
        return null;
    }

    private static Decision RosterRefusal(SubmitRenewal c)
    {
        var listed = c.Roster!.Category!.Value;
        return Decision.Refuse(ErrorCodes.CategoryNotRoster,
            $"The directorate's staff list has this person as {listed.TurkishName()} ({listed.Applicant()}), not {c.Applicant.Category}: " +
            $"apply as {listed.Applicant()}, or ask the directorate to correct its staff list.");
    }

    private static Decision ConfirmCategory(ConfirmCategory c, ApplicationState state)
    {
        if (!state.IsOnQueue())
            return NotOnQueue(state);
        if (OfficerProblem(c.Tenant, c.Officer, state) is { } problem)
            return problem;
        if (!state.CategoryUnconfirmed)
            return Decision.Refuse(ErrorCodes.CategoryNotConfirmable, $"The category ({state.Category}) is already confirmed.");
        if (c.Category == ApplicantCategory.Individual)
            return Decision.Refuse(ErrorCodes.CategoryNotConfirmable,
                "An individual applicant applies at Kamu SM, not on this queue: reject the application instead.");
        var familyPhysician = c.Category == ApplicantCategory.FamilyPhysician;
        if (familyPhysician && state.Method != ConfirmationMethod.ESignature && RenewalWindow.CanESign(state.CurrentCertificateNotAfter, state.SubmittedAt))
            return Decision.Refuse(ErrorCodes.CategoryNotConfirmable,
                "A family physician whose NES was still valid must e-sign the form: reject the application, so the applicant applies again with an e-signature.");
        return Decision.Accept(new CategoryConfirmed(c.Officer.Value, c.Category,
            familyPhysician ? state.FeeDue ?? c.Tenant.Fee.Amount : null, familyPhysician ? state.FeeIban ?? c.Tenant.FeeIban.Value : null, c.At, c.OfficerName));
    }

    private static Decision RegisterPaper(RegisterPaper c, ApplicationState state)
    {
        if (state.Status != ApplicationStatus.AwaitingPaper)
            return Decision.Refuse(ErrorCodes.NotAwaitingPaper, $"This application is not waiting for paper (it is {state.Status}).");
        if (OfficerProblem(c.Tenant, c.Officer, state) is { } problem)
            return problem;
        if (c.Copies != KamuSm.PaperCopies)
            return Decision.Refuse(ErrorCodes.WrongCopyCount, $"The wet-signed form is handed in as {KamuSm.PaperCopies} signed copies, not {c.Copies}.");
        return Decision.Accept(new PaperRegistered(c.Officer.Value, c.Copies, c.At, c.OfficerName));
    }

    private static Decision AttachReceipt(AttachReceipt c, ApplicationState state)
    {
        if (!state.ReceiptRequired())
            return Decision.Refuse(ErrorCodes.ReceiptNotRequired, $"No receipt is needed: for {state.Category} the fee is not paid by the applicant to the directorate.");
        if (!state.IsOnQueue())
            return Decision.Refuse(ErrorCodes.ReceiptNotAccepted, $"A receipt is attached before the decision, not now (the application is {state.Status}).");
        if (ReceiptMatcher.CheckDate(c.Receipt.PaidOn, state.SubmittedAt, c.At) is { } date)
            return Decision.Refuse(date.Code, "The receipt's date is not plausible: " + date.Message + ".");
        var payer = new PersonName(state.GivenName, state.Surname);
        var problems = ReceiptMatcher.Check(c.Receipt, Money.Tl(state.FeeDue!.Value), Iban.Parse(state.FeeIban!), payer, Tckn.Parse(state.ApplicantTckn));
        if (problems.Count > 0)
            return Decision.Refuse(problems[0].Code, "The receipt does not match: " + string.Join("; ", problems.Select(p => p.Message)) + ".");
        var r = c.Receipt;
        return Decision.Accept(new ReceiptAttached(r.Amount.Amount, r.Iban.Value, r.PaidOn, r.Description, r.FileSha256.ToLowerInvariant(), c.At));
    }

    /// <summary>
    /// Why this officer's approval (or rejection) would be refused whatever it carried: every rule of
    /// <see cref="Decide"/> for <see cref="Approve"/> / <see cref="Reject"/> except those on the signature and the
    /// rejection's reason. Asked before a decision document is issued, so no officer is asked for a PIN to sign a
    /// decision the rules refuse anyway; Decide applies the same rules again on the state it decides on.
    /// </summary>
    public static DomainError? DecisionRefusal(ApplicationState state, TenantSettings tenant, Tckn officer, OfficerDecision decision)
    {
        if (!state.IsSubmitted())
            return new DomainError(ErrorCodes.NotSubmitted, "There is no such application.");
        if (state.Status != ApplicationStatus.AwaitingApproval)
            return NotOnQueue(state).Error;
        if (OfficerProblem(tenant, officer, state) is { } problem)
            return problem.Error;
        if (decision == OfficerDecision.Reject)
            return null;
        if (state.CategoryUnconfirmed)
            return new DomainError(ErrorCodes.NotApprovable, "Not approvable yet: the applicant's category is not confirmed by the staff list; confirm it first.");
        if (!state.IsApprovable())
            return new DomainError(ErrorCodes.NotApprovable, "Not approvable yet: the family physician's matching receipt (dekont) has not been attached.");
        if (state.Approvals.Contains(officer.Value))
            return new DomainError(ErrorCodes.SameOfficerTwice, "This officer has already approved; the second approval must come from a different officer.");
        return null;
    }

    private static Decision Approve(Approve c, ApplicationState state)
    {
        if ((DecisionRefusal(state, c.Tenant, c.Officer, OfficerDecision.Approve) is { } refusal ? Refused(refusal) : SignatureProblem(c.Officer, c.Signature)) is { } problem)
            return problem;
        var given = new ApprovalGiven(c.Officer.Value, c.Signature.Bytes, c.Signature.Facts.CertificateSha256, c.At, c.Evidence, c.OfficerName);
        var approvals = state.Approvals.Append(c.Officer.Value).ToList();
        return approvals.Count >= state.ApprovalsRequired
            ? Decision.Accept(given, new ApplicationApproved(approvals, c.At))
            : Decision.Accept(given);
    }

    private static Decision Reject(Reject c, ApplicationState state)
    {
        if ((DecisionRefusal(state, c.Tenant, c.Officer, OfficerDecision.Reject) is { } refusal ? Refused(refusal) : SignatureProblem(c.Officer, c.Signature)) is { } problem)
            return problem;
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse(ErrorCodes.RejectionReasonRequired, "A rejection says why.");
        return Decision.Accept(new ApplicationRejected(c.Officer.Value, c.Reason.Trim(), c.Signature.Bytes, c.Signature.Facts.CertificateSha256, c.At, c.Evidence, c.OfficerName));
    }

    private static Decision Withdraw(Withdraw c, ApplicationState state)
    {
        if (c.RequestedBy.Value != state.ApplicantTckn)
            return Decision.Refuse(ErrorCodes.NotTheApplicant, "Only the applicant can withdraw an application.");
        var beforeDecision = state.Status is ApplicationStatus.AwaitingPaper or ApplicationStatus.AwaitingApproval
            or ApplicationStatus.AwaitingPostalForm or ApplicationStatus.AwaitingPrice or ApplicationStatus.AwaitingPayment;
        return beforeDecision
            ? Decision.Accept(new ApplicationWithdrawn(c.Reason?.Trim() ?? "", c.At))
            : Decision.Refuse(ErrorCodes.NotWithdrawable, $"An application can be withdrawn only before a decision or payment (it is {state.Status}).");
    }

    private static Decision RecordPayment(RecordPayment c, ApplicationState state)
    {
        if (state.Status == ApplicationStatus.AwaitingPrice)
            return Decision.Refuse(ErrorCodes.PriceNotShown, "Kamu SM has not shown the price yet: pay only once it is shown (after the form reaches Kamu SM).");
        if (state.Status != ApplicationStatus.AwaitingPayment)
            return Invalid(state, "record a payment");
        if (c.Amount.Amount != state.Price)
            return Decision.Refuse(ErrorCodes.PaymentAmount, $"The payment ({c.Amount}) differs from the price shown ({Money.Tl(state.Price!.Value)}).");
        return Decision.Accept(new PaymentMade(c.Amount.Amount, c.At));
    }

    private static Decision? OfficerProblem(TenantSettings tenant, Tckn officer, ApplicationState state)
    {
        if (tenant.ProvinceCode != state.Tenant)
            return Decision.Refuse(ErrorCodes.WrongTenant, $"This application belongs to directorate {state.Tenant}, not {tenant.ProvinceCode}.");
        if (!tenant.IsOfficer(officer))
            return Decision.Refuse(ErrorCodes.NotAnOfficer, $"{officer.Mask()} is not an e-signature officer of directorate {tenant.ProvinceCode}.");
        // Every officer act (paper, approval, rejection) is a check by a second person: never on one's own renewal.
        if (officer.Value == state.ApplicantTckn)
            return Decision.Refuse(ErrorCodes.SelfDecision, "An officer never acts as officer on their own application; another officer must.");
        return null;
    }

    private static Decision Refused(DomainError error) => Decision.Refuse(error.Code, error.Message);

    private static Decision? SignatureProblem(Tckn officer, OfficerSignature signature)
    {
        var f = signature.Facts;
        if (f.Indication != Indication.Passed || f.SignerTckn != officer.Value || signature.Bytes.Length == 0)
            return Decision.Refuse(ErrorCodes.OfficerSignatureInvalid,
                $"The decision must carry the officer's own valid signature (got {f.Indication}, signer {Tckn.Mask(f.SignerTckn)}).");
        return null;
    }

    private static Decision NotOnQueue(ApplicationState state) => state.Status == ApplicationStatus.AwaitingPaper
        ? Decision.Refuse(ErrorCodes.NotOnQueue, $"Not approvable: the {KamuSm.PaperCopies} wet-signed paper copies have not been registered yet.")
        : Decision.Refuse(ErrorCodes.NotOnQueue, $"Not on the approval queue (it is {state.Status}).");

    private static Decision Step(ApplicationState state, ApplicationCommand c, string what, ApplicationStatus[] from, Func<IApplicationEvent> make) =>
        from.Contains(state.Status) ? Decision.Accept(make()) : Invalid(state, what);

    private static Decision Invalid(ApplicationState state, string what) =>
        Decision.Refuse(ErrorCodes.InvalidTransition, $"Cannot {what} while the application is {state.Status}.");
}
