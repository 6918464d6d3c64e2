using Signing.Domain;
using Vf = Signing.Verification;

namespace Signing.Server.Mapping;

/// <summary>
/// What a submission or a decision keeps in signing.evidence: the exact bytes received or used, the verdict's report and
/// the revocation data it rested on (CRLs and OCSP responses, byte for byte, each under its kind), with the hashes its
/// event carries. One place, so every path keeps the same kinds of bytes.
/// </summary>
public static class EvidenceRecord
{
    /// <summary>An e-signed form: the CMS as received, the signed form bytes (attached content or the detached form_json), report, revocation data.</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) ESigned(byte[] cms, byte[] signedForm, Vf.Verdict verdict)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, signedForm);
        var signature = EvidenceBlob.Of(EvidenceMediaTypes.Cms, cms);
        var report = Report(verdict);
        return (new SubmissionEvidence(form.Sha256, signature.Sha256, null, report.Sha256, Revocation(verdict)),
            [form, signature, report, .. RevocationBlobs(verdict)]);
    }

    /// <summary>An e-Onay submission: the form JSON, the confirmation document as received, report, revocation data.</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) EOnay(byte[] formJson, byte[] confirmation, Vf.Verdict verdict)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, formJson);
        var document = EvidenceBlob.Of(EvidenceMediaTypes.EOnay, confirmation);
        var report = Report(verdict);
        return (new SubmissionEvidence(form.Sha256, null, document.Sha256, report.Sha256, Revocation(verdict)),
            [form, document, report, .. RevocationBlobs(verdict)]);
    }

    /// <summary>A wet-signed submission: the form JSON only (the paper is registered by the officer later).</summary>
    public static (SubmissionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) Wet(byte[] formJson)
    {
        var form = EvidenceBlob.Of(EvidenceMediaTypes.Json, formJson);
        return (new SubmissionEvidence(form.Sha256, null, null, null, []), [form]);
    }

    /// <summary>A decision: the document byte for byte, the officer's detached CMS, its report, revocation data.</summary>
    public static (DecisionEvidence Evidence, IReadOnlyList<EvidenceBlob> Blobs) Decision(byte[] document, byte[] cms, Vf.Verdict verdict)
    {
        var signed = EvidenceBlob.Of(EvidenceMediaTypes.Json, document);
        var signature = EvidenceBlob.Of(EvidenceMediaTypes.Cms, cms);
        var report = Report(verdict);
        return (new DecisionEvidence(signed.Sha256, signature.Sha256, report.Sha256, Revocation(verdict)),
            [signed, signature, report, .. RevocationBlobs(verdict)]);
    }

    private static EvidenceBlob Report(Vf.Verdict verdict) => EvidenceBlob.Of(EvidenceMediaTypes.Json, verdict.ToReport());

    private static IReadOnlyList<RevocationEvidence> Revocation(Vf.Verdict verdict) =>
        verdict.Revocation.Select(r => new RevocationEvidence(r.Kind, r.Sha256, r.Issuer, r.Number, r.ThisUpdate)).ToList();

    // Hashed once when parsed: no CRL or OCSP response is hashed again per submission. Each item is stored under the
    // kind the event names it by, so the audit knows how to read it back.
    private static IEnumerable<EvidenceBlob> RevocationBlobs(Vf.Verdict verdict) =>
        verdict.RevocationData.Select(r => EvidenceBlob.Known(r.Sha256, MediaTypeOf(r), r.Der));

    private static string MediaTypeOf(Vf.IRevocationEvidence item) =>
        EvidenceMediaTypes.OfRevocationKind(item.Reference.Kind)
        ?? throw new InvalidOperationException($"revocation data of kind '{item.Reference.Kind}' has no evidence media type");
}
