namespace Signing.Domain;

/// <summary>
/// A fact about one application. Events are stored for good, so they hold plain values (strings, decimals,
/// times), not value objects: what was valid when it was written stays readable.
/// </summary>
public interface IApplicationEvent
{
    DateTimeOffset At { get; }
}

public sealed record RenewalSubmitted(
    Guid ApplicationId,
    string Tenant,
    string ClientRequestId,
    string ApplicationCode,
    string ApplicantTckn,
    string GivenName,
    string Surname,
    ApplicantCategory Category,
    string Email,
    string Phone,
    string DeliveryAddress,
    DateTimeOffset CurrentCertificateNotAfter,
    string? CurrentCertificateSha256,
    ConfirmationMethod Method,
    ApplicationRoute Route,
    string? SignerCertificateSha256,
    string? EOnayReference,
    decimal? FeeDue,
    string? FeeIban,
    int ApprovalsRequired,
    DateTimeOffset At,
    string? Submitter = null,
    string? ContentSha256 = null,
    string? Institution = null,
    SubmissionEvidence? Evidence = null,
    bool CategoryUnconfirmed = false,
    ApplicantCategory? ClaimedCategory = null) : IApplicationEvent;
// Category: the one the rules applied (the roster's when they disagreed and the directorate flags rather than refuses);
// ClaimedCategory: what the applicant chose, when it was not that; CategoryUnconfirmed: an officer must confirm it.

/// <summary>An officer confirmed (or corrected) the applicant's category; the fee follows it.</summary>
public sealed record CategoryConfirmed(string OfficerTckn, ApplicantCategory Category, decimal? FeeDue, string? FeeIban, DateTimeOffset At,
    string? OfficerName = null) : IApplicationEvent;
// OfficerName (on every officer's event): the name on the card the officer signed in with, so the history says who;
// absent from events written before it was kept.

public sealed record PaperRegistered(string OfficerTckn, int Copies, DateTimeOffset At, string? OfficerName = null) : IApplicationEvent;

public sealed record ReceiptAttached(decimal Amount, string Iban, DateOnly PaidOn, string Description, string FileSha256, DateTimeOffset At) : IApplicationEvent;

/// <summary>One officer's approval; with two approvals required, the first leaves the item on the queue.</summary>
public sealed record ApprovalGiven(string OfficerTckn, byte[] Signature, string SignerCertificateSha256, DateTimeOffset At,
    DecisionEvidence? Evidence = null, string? OfficerName = null) : IApplicationEvent;

public sealed record ApplicationApproved(IReadOnlyList<string> Officers, DateTimeOffset At) : IApplicationEvent;

public sealed record ApplicationRejected(string OfficerTckn, string Reason, byte[] Signature, string SignerCertificateSha256, DateTimeOffset At,
    DecisionEvidence? Evidence = null, string? OfficerName = null) : IApplicationEvent;

public sealed record ApplicationWithdrawn(string Reason, DateTimeOffset At) : IApplicationEvent;

public sealed record SentToKamuSm(DateTimeOffset At) : IApplicationEvent;
public sealed record CertificateProduced(DateTimeOffset At) : IApplicationEvent;
public sealed record CourierDispatched(int Attempt, string? TrackingNumber, DateTimeOffset At) : IApplicationEvent;
public sealed record TokenDelivered(DateTimeOffset At) : IApplicationEvent;
public sealed record ReturnedToSender(string Reason, DateTimeOffset At) : IApplicationEvent;
public sealed record AddressConfirmed(string ConfirmedBy, string Channel, DateTimeOffset At) : IApplicationEvent;

public sealed record PostalFormReceived(DateTimeOffset At) : IApplicationEvent;
public sealed record PriceShown(decimal Price, DateTimeOffset At) : IApplicationEvent;
public sealed record PaymentMade(decimal Amount, DateTimeOffset At) : IApplicationEvent;
public sealed record PaymentReflected(DateTimeOffset At) : IApplicationEvent;

/// <summary>
/// A certificate seen in a check (a verification) — not part of any application's stream; it feeds the list of
/// holders whose NES is expiring.
/// </summary>
public sealed record CertificateSeen(string Tckn, string Name, ApplicantCategory? Category, DateTimeOffset NotAfter, string CertificateSha256, DateTimeOffset At);

/// <summary>
/// A renewal reminder was scheduled for a holder: <paramref name="StageDays"/> days before the notAfter of the certificate
/// <paramref name="CertificateSha256"/>. On the holder's stream, beside <see cref="CertificateSeen"/>; the e-mail itself
/// goes out from an outbox row written in the same transaction (the event keeps no address: contact data may be erased).
/// </summary>
public sealed record ReminderScheduled(string Tckn, string CertificateSha256, DateTimeOffset NotAfter, int StageDays, DateTimeOffset At);

/// <summary>
/// Revocation data a verdict rested on. Kind "crl" or "ocsp" (<see cref="RevocationKinds"/>); Sha256 = of the exact DER
/// stored in signing.evidence. For an OCSP response Issuer names the responder (its name, or "key:" and the SHA-1 of its
/// key), Number is null and ThisUpdate is the response's producedAt.
/// </summary>
public sealed record RevocationEvidence(string Kind, string Sha256, string Issuer, string? Number, DateTimeOffset? ThisUpdate);

/// <summary>
/// What a submission kept in signing.evidence, by the lowercase hex SHA-256 of each stored blob: the event names the
/// blobs, so the event (and the log leaf over it) binds their bytes.
/// </summary>
/// <param name="FormSha256">The form JSON bytes as received/signed (application/json).</param>
/// <param name="CmsSha256">E-signed: the CMS exactly as received (application/pkcs7-signature).</param>
/// <param name="EOnaySha256">E-Onay: the confirmation document exactly as received (application/vnd.esign.eonay).</param>
/// <param name="ReportSha256">E-signed/e-Onay: the validation report, the verdict's compact JSON (application/json).</param>
/// <param name="Revocation">The revocation data the report rested on (CRLs stored as application/pkix-crl, OCSP responses as application/ocsp-response).</param>
public sealed record SubmissionEvidence(
    string FormSha256,
    string? CmsSha256,
    string? EOnaySha256,
    string? ReportSha256,
    IReadOnlyList<RevocationEvidence> Revocation);

/// <summary>What a decision kept in signing.evidence (see <see cref="SubmissionEvidence"/>).</summary>
/// <param name="DocumentSha256">The decision document bytes the officer signed (application/json).</param>
/// <param name="CmsSha256">The officer's detached CMS (application/pkcs7-signature).</param>
/// <param name="ReportSha256">The validation report of that CMS at decision time.</param>
/// <param name="Revocation">The revocation data that report rested on.</param>
public sealed record DecisionEvidence(
    string DocumentSha256,
    string CmsSha256,
    string ReportSha256,
    IReadOnlyList<RevocationEvidence> Revocation);
