namespace Signing.Domain;

/// <summary>
/// What the verification engine concluded about a CMS/CAdES signature. The domain never verifies anything;
/// it only judges these facts (passed? whose? certificate still valid?).
/// </summary>
public sealed record SignatureFacts(
    Indication Indication,
    string? SignerTckn,
    DateTimeOffset CertificateNotAfter,
    string CertificateSha256,
    string? SubIndication = null,
    DateTimeOffset? SigningTime = null,
    string? SignedAttributesSha256 = null);

/// <summary>What the verification engine concluded about an e-Onay confirmation (signed by a configured issuer key).</summary>
public sealed record EOnayFacts(Indication Indication, string? Tckn, string Reference, DateTimeOffset ConfirmedAt);

/// <summary>The applicant's current (expiring or expired) certificate.</summary>
public sealed record CertificateFacts(DateTimeOffset NotAfter, string? Sha256);

/// <summary>How the form was confirmed, with the facts that prove it.</summary>
public abstract record Confirmation(ConfirmationMethod Method)
{
    public sealed record ESigned(SignatureFacts Facts) : Confirmation(ConfirmationMethod.ESignature);
    public sealed record EOnay(EOnayFacts Facts) : Confirmation(ConfirmationMethod.EOnay);
    public sealed record Wet() : Confirmation(ConfirmationMethod.WetSignature);
}

/// <summary>The officer's signature on a decision: the signature bytes and the engine's facts about it.</summary>
public sealed record OfficerSignature(byte[] Bytes, SignatureFacts Facts);

/// <summary>A bank receipt (dekont) as attached to a family physician's application.</summary>
public sealed record Receipt(Money Amount, Iban Iban, DateOnly PaidOn, string Description, string FileSha256);

public sealed record Applicant(Tckn Tckn, PersonName Name, ApplicantCategory Category);

public sealed record Contact(string Email, string Phone);
