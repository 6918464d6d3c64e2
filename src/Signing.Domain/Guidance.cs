namespace Signing.Domain;

public enum GuidanceAction
{
    WaitForWarning,
    ApplyAtDirectoratePortal,
    ApplyAtIndividualPortal,
    ESignForm,
    UseEOnay,
    PrintAndDeliverTwoCopies,
    PayFee,
    SendReceiptByEmail,
    NoFee,
    PrintAndPostToKamuSm,
    PayKamuSmWhenPriceShown,
    AwaitCourier,
    CallKamuSmIfNotDelivered,
}

/// <summary>One thing to do. <see cref="Alternative"/> marks a step that replaces the one before it rather than following it.</summary>
public sealed record GuidanceStep(
    GuidanceAction Action,
    string Text,
    bool Alternative = false,
    Money? Amount = null,
    string? Iban = null,
    string? Bank = null,
    string? Recipient = null,
    string? ReceiptDescription = null,
    string? Address = null,
    string? Phone = null,
    string? Url = null);

/// <summary>
/// "My e-signature expires on X: what do I do?" — the ordered steps for a category and certificate state,
/// straight from the directorate's page (DOMAIN.md).
/// </summary>
public static class Guidance
{
    public static IReadOnlyList<GuidanceStep> For(ApplicantCategory category, CertificateState state, int daysLeft, TenantSettings tenant, Applicant? applicant = null)
    {
        var steps = new List<GuidanceStep>();
        if (state == CertificateState.Valid)
        {
            steps.Add(new(GuidanceAction.WaitForWarning,
                $"Your NES is valid for {daysLeft} more days. Renew in the last {RenewalWindow.WindowMonths} months, when Kamu SM e-mails \"E-imza süreniz doluyor\"; the steps will then be:"));
        }
        var canESign = state != CertificateState.Expired;
        switch (category)
        {
            case ApplicantCategory.Manager or ApplicantCategory.Doctor:
                steps.Add(ApplyDirectorate());
                if (canESign)
                {
                    steps.Add(ESign("Sign the form with your NES: it goes straight to the officer's approval queue, no printout needed (fastest)."));
                    steps.Add(EOnay(alternative: true));
                    steps.Add(PrintAndDeliver(tenant, withReceipt: false, alternative: true));
                }
                else
                {
                    steps.Add(EOnay(alternative: false));
                    steps.Add(PrintAndDeliver(tenant, withReceipt: false, alternative: true));
                }
                steps.Add(new(GuidanceAction.NoFee, "Nothing to pay: your institution pays for the certificate."));
                break;

            case ApplicantCategory.FamilyPhysician:
                steps.Add(ApplyDirectorate());
                if (canESign)
                {
                    steps.Add(ESign("Your NES is still valid, so you must sign the form with it (a wet-signed form is not accepted while it is valid)."));
                    steps.Add(PayFee(tenant, applicant));
                    steps.Add(new(GuidanceAction.SendReceiptByEmail,
                        $"E-mail the bank receipt (dekont) to the e-signature officer at {tenant.OfficerEmail}; the application is not approved before it arrives.",
                        Address: tenant.OfficerEmail));
                }
                else
                {
                    steps.Add(PayFee(tenant, applicant));
                    steps.Add(PrintAndDeliver(tenant, withReceipt: true, alternative: false));
                    steps.Add(EOnay(alternative: true) with
                    {
                        Text = $"Or confirm the form with e-Onay and e-mail the bank receipt (dekont) to {tenant.OfficerEmail}.",
                    });
                }
                break;

            case ApplicantCategory.Individual:
                steps.Add(new(GuidanceAction.ApplyAtIndividualPortal,
                    $"Apply at Kamu SM's online portal ({KamuSm.IndividualMenu}), choosing başvuru nedeni \"YENİLEME\".",
                    Url: KamuSm.IndividualPortal));
                if (canESign)
                {
                    steps.Add(ESign("Complete the application by signing it with your NES."));
                    steps.Add(EOnay(alternative: true));
                }
                else
                {
                    steps.Add(new(GuidanceAction.PrintAndPostToKamuSm,
                        $"Your token has expired: print the form, sign it by hand, keep one copy and post the other to {KamuSm.PostalAddress}.",
                        Address: KamuSm.PostalAddress));
                }
                steps.Add(new(GuidanceAction.PayKamuSmWhenPriceShown,
                    $"Pay Kamu SM only once the price is shown ({KamuSm.IndividualMenu}), which happens after the form reaches Kamu SM; the payment shows up about {KamuSm.PaymentReflectionDelay.TotalMinutes:0} minutes later.",
                    Url: KamuSm.IndividualPortal));
                break;
        }
        steps.Add(new(GuidanceAction.AwaitCourier, "Kamu SM sends the new token by courier, to you in person only: be at your delivery address."));
        steps.Add(new(GuidanceAction.CallKamuSmIfNotDelivered,
            $"If no envelope came, it went back to TÜBİTAK: call Kamu SM on {KamuSm.CallCentre} to confirm your address and have it sent again.",
            Phone: KamuSm.CallCentre));
        return steps;
    }

    private static GuidanceStep ApplyDirectorate() => new(GuidanceAction.ApplyAtDirectoratePortal,
        "Apply at Kamu SM's portal, choosing başvuru nedeni \"YENİLEME\" (NES, 3 years).", Url: KamuSm.DirectoratePortal);

    private static GuidanceStep ESign(string text) => new(GuidanceAction.ESignForm, text);

    private static GuidanceStep EOnay(bool alternative) => new(GuidanceAction.UseEOnay,
        (alternative ? "Or, if" : "If") + " you have accepted e-Onay, confirm the form with e-Onay: it reaches the systems at once and production starts straight away.",
        Alternative: alternative);

    private static GuidanceStep PrintAndDeliver(TenantSettings tenant, bool withReceipt, bool alternative) => new(GuidanceAction.PrintAndDeliverTwoCopies,
        (alternative ? "Or print" : "Print") + $" {KamuSm.PaperCopies} copies of the form, sign both by hand and bring them" +
        (withReceipt ? " with the bank receipt (dekont)" : "") + $" to the e-signature officer: {tenant.DeskAddress}.",
        Alternative: alternative, Address: tenant.DeskAddress);

    private static GuidanceStep PayFee(TenantSettings tenant, Applicant? applicant)
    {
        var description = applicant is null ? KamuSm.ReceiptTemplate : ReceiptMatcher.DescriptionFor(applicant.Name, applicant.Tckn);
        return new(GuidanceAction.PayFee,
            $"Pay {tenant.Fee} by bank transfer to {tenant.FeeIban} ({tenant.FeeBank}, {tenant.FeeRecipient}); the description must read \"{description}\".",
            Amount: tenant.Fee, Iban: tenant.FeeIban.Formatted, Bank: tenant.FeeBank, Recipient: tenant.FeeRecipient, ReceiptDescription: description);
    }
}
