namespace Signing.Domain;

/// <summary>Something asked of an application. Every command carries its time (no clock inside the domain).</summary>
public abstract record ApplicationCommand(DateTimeOffset At);

/// <summary>A renewal application (reason YENİLEME, NES, 3 years) with how it was confirmed.</summary>
public sealed record SubmitRenewal(
    Guid ApplicationId,
    string ClientRequestId,
    TenantSettings Tenant,
    Applicant Applicant,
    Contact Contact,
    string DeliveryAddress,
    CertificateFacts CurrentCertificate,
    Confirmation Confirmation,
    DateTimeOffset At,
    ApplicationReason Reason = ApplicationReason.Yenileme,
    CertificateKind Kind = CertificateKind.Nes,
    int TermYears = KamuSm.NesTermYears,
    string Submitter = "",
    string ContentSha256 = "",
    string Institution = "",
    SubmissionEvidence? Evidence = null,
    IReadOnlyList<EvidenceBlob>? EvidenceBlobs = null,
    RosterFact? Roster = null) : ApplicationCommand(At), ICarriesEvidence
{
    // Roster: what the directorate's staff list says of the applicant, read by the store with the rest of the batch;
    // null when the directorate keeps no roster (then the applicant's category is taken as given).
    // Evidence: the hashes the event keeps; EvidenceBlobs: the bytes they name, written by the store beside the events.
    // Neither takes part in the rules.
    public IReadOnlyList<EvidenceBlob> Blobs => EvidenceBlobs ?? [];

    // Submitter: who sent the request (an applicant's TCKN or a system client's name, see ApplicantSubmitter and SystemSubmitter); a retry matches
    // only its own submitter's requests. ContentSha256: hex SHA-256 of the signed bytes (the form JSON), so a request id
    // reused for other content is told apart from a retry.

    public static string ApplicantSubmitter(string tckn) => "applicant:" + tckn;

    public static string SystemSubmitter(string clientName) => "system:" + clientName;
}

/// <summary>The officer has received the wet-signed paper copies at the desk.</summary>
public sealed record RegisterPaper(TenantSettings Tenant, Tckn Officer, int Copies, DateTimeOffset At, string? OfficerName = null) : ApplicationCommand(At);

/// <summary>A family physician's bank receipt (dekont), handed in with the form or e-mailed to the officer.</summary>
public sealed record AttachReceipt(Receipt Receipt, DateTimeOffset At) : ApplicationCommand(At);

public sealed record Approve(TenantSettings Tenant, Tckn Officer, OfficerSignature Signature, DateTimeOffset At,
    DecisionEvidence? Evidence = null, IReadOnlyList<EvidenceBlob>? EvidenceBlobs = null, string? OfficerName = null) : ApplicationCommand(At), ICarriesEvidence
{
    public IReadOnlyList<EvidenceBlob> Blobs => EvidenceBlobs ?? [];
}

public sealed record Reject(TenantSettings Tenant, Tckn Officer, string Reason, OfficerSignature Signature, DateTimeOffset At,
    DecisionEvidence? Evidence = null, IReadOnlyList<EvidenceBlob>? EvidenceBlobs = null, string? OfficerName = null) : ApplicationCommand(At), ICarriesEvidence
{
    public IReadOnlyList<EvidenceBlob> Blobs => EvidenceBlobs ?? [];
}

/// <summary>An officer settles a category the roster did not confirm (a person not on it, or one it lists otherwise).</summary>
public sealed record ConfirmCategory(TenantSettings Tenant, Tckn Officer, ApplicantCategory Category, DateTimeOffset At, string? OfficerName = null) : ApplicationCommand(At);

public sealed record Withdraw(Tckn RequestedBy, string Reason, DateTimeOffset At) : ApplicationCommand(At);

// After approval: Kamu SM produces the token and a courier delivers it to the person only.
public sealed record SendToKamuSm(DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordProduced(DateTimeOffset At) : ApplicationCommand(At);
public sealed record DispatchCourier(string? TrackingNumber, DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordDelivered(DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordReturned(string Reason, DateTimeOffset At) : ApplicationCommand(At);
/// <summary>The applicant called Kamu SM (444 5 576) and the address was confirmed; by whom (name of the caller/agent).</summary>
public sealed record ConfirmAddress(string ConfirmedBy, DateTimeOffset At, string Channel = KamuSm.CallCentre) : ApplicationCommand(At);

// Individual (self-paid) path at Kamu SM; the directorate only tracks it.
public sealed record RecordPostalFormReceived(DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordPriceShown(Money Price, DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordPayment(Money Amount, DateTimeOffset At) : ApplicationCommand(At);
public sealed record RecordPaymentReflected(DateTimeOffset At) : ApplicationCommand(At);
