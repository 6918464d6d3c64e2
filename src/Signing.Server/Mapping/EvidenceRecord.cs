using Signing.Domain;
using Vf = Signing.Verification;

namespace Signing.Server.Mapping;

/// <summary>
/// What a submission or a decision keeps in signing.evidence: the exact bytes received or used, the verdict's report and
/// the CRLs it rested on, with the hashes its event carries. One place, so every path keeps the same kinds of bytes.
/// </summary>
public static class EvidenceRecord
{
    /// <summary>An e-signed form: the CMS as received, the signed form bytes (attached content or the detached form_json), report, CRLs.</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) ESigned(byte[] cms, byte[] signedForm, Vf.Verdict verdict)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, signedForm);
        var signature = EvidenceBlob.Of(EvidenceMediaTypes.Cms, cms);
        var report = Report(verdict);
        return (new SubmissionEvidence(form.Sha256, signature.Sha256, null, report.Sha256, Revocation(verdict)),
            [form, signature, report, .. Crls(verdict)]);
    }

    /// <summary>An e-Onay submission: the form JSON, the confirmation document as received, report, CRLs.</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) EOnay(byte[] formJson, byte[] confirmation, Vf.Verdict verdict)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, formJson);
        var document = EvidenceBlob.Of(EvidenceMediaTypes.EOnay, confirmation);
        var report = Report(verdict);
        return (new SubmissionEvidence(form.Sha256, null, document.Sha256, report.Sha256, Revocation(verdict)),
            [form, document, report, .. Crls(verdict)]);
    }

    /// <summary>A wet-signed submission: the form JSON only (the paper is registered by the officer later).</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) Wet(byte[] formJson)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, formJson);
        return (new SubmissionEvidence(form.Sha256, null, null, null, []), [form]);
    }

    /// <summary>A decision: the document byte for byte, the officer's detached CMS, its report, CRLs.</summary>
    public static (DecisionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) Decision(byte[] document, byte[] cms, Vf.Verdict verdict)
    {
        var signed = EvidenceBlob.Of(EvidenceMediaTypes.Json, document);
        var signature = EvidenceBlob.Of(EvidenceMediaTypes.Cms, cms);
        var report = Report(verdict);
        return (new DecisionEvidence(signed.Sha256, signature.Sha256, report.Sha256, Revocation(verdict)),
            [signed, signature, report, .. Crls(verdict)]);
    }

    private static EvidenceBlob Report(Vf.Verdict verdict) => EvidenceBlob.Of(EvidenceMediaTypes.Json, verdict.ToReport());

    private static IReadOnlyList<RevocationEvidence> Revocation(Vf.Verdict verdict) =>
        verdict.Revocation.Select(r => new RevocationEvidence(r.Kind, r.Sha256, r.Issuer, r.Number, r.ThisUpdate)).ToList();

    // Hashed once when the CRL was loaded: no CRL is hashed again per submission.
    private static IEnumerable<EvidenceBlob> Crls(Vf.Verdict verdict) =>
        verdict.RevocationData.OfType<Vf.ParsedCrl>().Select(c => EvidenceBlob.Known(c.Sha256, EvidenceMediaTypes.Crl, c.Der));
}
