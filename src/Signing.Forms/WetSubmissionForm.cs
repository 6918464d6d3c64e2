using Signing.Domain;

namespace Signing.Forms;

/// <summary>The printable form of a wet-signed renewal, assembled from the submitted application and its directorate.</summary>
public static class WetSubmissionForm
{
    public const string KamuSmName = "TÜBİTAK BİLGEM Kamu Sertifikasyon Merkezi";

    public static PrintableForm For(Guid applicationId, string applicationCode, DateTimeOffset submittedAt, TenantSettings tenant,
        Applicant applicant, Contact contact, string deliveryAddress, string institution)
    {
        // An individual's paper goes by post to Kamu SM, not to the directorate's desk.
        var individual = applicant.Category == ApplicantCategory.Individual;
        return new PrintableForm
        {
            ApplicationId = applicationId,
            ApplicationCode = applicationCode,
            DirectorateName = individual ? KamuSmName : tenant.Name,
            DeskAddress = individual ? KamuSm.PostalAddress + " (posta ile)" : tenant.DeskAddress,
            Tckn = applicant.Tckn.Value,
            GivenNames = applicant.Name.GivenName,
            Surname = applicant.Name.Surname,
            Category = CategoryName(applicant.Category),
            Reason = "YENİLEME",
            CertificateKind = "NES",
            TermYears = KamuSm.NesTermYears,
            Email = contact.Email,
            Phone = contact.Phone,
            DeliveryAddress = deliveryAddress,
            Institution = institution,
            SubmittedAt = submittedAt,
            Fee = applicant.Category == ApplicantCategory.FamilyPhysician
                ? new FeeInstructions(tenant.Fee.ToString(), tenant.FeeIban.Formatted, tenant.FeeBank, tenant.FeeRecipient,
                    ReceiptMatcher.DescriptionFor(applicant.Name, applicant.Tckn))
                : null,
        };
    }

    /// <summary>The category as the form prints it.</summary>
    public static string CategoryName(ApplicantCategory category) => category switch
    {
        ApplicantCategory.Manager => "Yönetici",
        ApplicantCategory.Doctor => "Doktor",
        ApplicantCategory.FamilyPhysician => "Aile Hekimi",
        _ => "Bireysel",
    };
}
