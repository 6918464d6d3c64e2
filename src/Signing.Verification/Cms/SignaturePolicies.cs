using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Esf;

namespace Signing.Verification;

/// <summary>The signature policy a CAdES signature names (id-aa-ets-sigPolicyId) and the BTK profile it is, if one.</summary>
/// <param name="Oid">The policy OID; null for signaturePolicyImplied.</param>
/// <param name="Profile">"P2", "P3" or "P4" for the BTK e-signature usage profiles; null for another policy.</param>
public sealed record SignaturePolicyReport(string? Oid, string? Profile);

/// <summary>
/// The signature-policy-identifier signed attribute and BTK's "Elektronik İmza Kullanım Profilleri": P2 (ES-T, CRL),
/// P3 (long-term, CRL), P4 (long-term, OCSP: ES-XL). Each of P2–P4 requires a signature timestamp; P1 names no policy.
/// </summary>
internal static class SignaturePolicies
{
    public const string SigPolicyIdOid = "1.2.840.113549.1.9.16.2.15";
    public const string P2 = "2.16.792.1.61.0.1.5070.3.1.1";
    public const string P3 = "2.16.792.1.61.0.1.5070.3.2.1";
    public const string P4 = "2.16.792.1.61.0.1.5070.3.3.1";

    public static string? ProfileOf(string oid) => oid switch
    {
        P2 => "P2",
        P3 => "P3",
        P4 => "P4",
        _ => null,
    };

    /// <summary>The policy the signed attributes name, or null when there is none. Throws on a malformed attribute.</summary>
    public static SignaturePolicyReport? Read(SignedAttributes attrs)
    {
        if (!attrs.Values.TryGetValue(SigPolicyIdOid, out var values))
            return null;
        if (values.Count != 1)
            throw new FormatException("the signature-policy-identifier attribute must have exactly one value");
        var spi = SignaturePolicyIdentifier.GetInstance(Asn1Object.FromByteArray(values[0].ToArray()));
        var oid = spi.SignaturePolicyId?.SigPolicyIdentifier.Id;
        return new SignaturePolicyReport(oid, oid is null ? null : ProfileOf(oid));
    }

    /// <summary>Records the policy in the report; the failure when a BTK profile's demands are not met.</summary>
    public static CmsFailure? Check(SignaturePolicyReport? policy, bool hasSignatureTimestamp, SignedAttributes attrs, CmsReport report)
    {
        if (policy is null)
            return null;
        if (policy.Profile is null)
        {
            report.Add("btk.signature-policy", CheckResult.Information,
                policy.Oid is null ? "signature policy implied" : $"signature policy {policy.Oid} is not a BTK profile");
            return null;
        }
        if (!hasSignatureTimestamp)
            return new CmsFailure(SubIndication.SigConstraintsFailure, "btk.signature-policy",
                $"profile {policy.Profile} requires a signature timestamp");
        if (policy.Profile == "P4")
        {
            // P4's mandated signed attributes beyond CAdES-BES; the SHA-1 signing-certificate (v1) alone is a P4-only refusal.
            if (!attrs.Values.ContainsKey(SignedAttributes.SigningTimeOid))
                return new CmsFailure(SubIndication.SigConstraintsFailure, "btk.signature-policy", "profile P4 requires the signingTime attribute");
            if (!attrs.Values.ContainsKey(SignedAttributes.SigningCertificateV2))
                return new CmsFailure(SubIndication.SigConstraintsFailure, "btk.signature-policy",
                    "profile P4 requires the signing-certificate-v2 attribute (the SHA-1 signing-certificate is not accepted)");
        }
        report.Passed("btk.signature-policy", $"profile {policy.Profile} ({policy.Oid})");
        return null;
    }

    /// <summary>
    /// P4 is OCSP-based: a passing verdict whose signer certificate was answered by a CRL (or not at all, when revocation
    /// checking was off) does not meet it. Null when it does.
    /// </summary>
    public static string? P4RevocationProblem(SignaturePolicyReport? policy, Verdict verdict, ParsedCertificate signer, VerificationOptions options)
    {
        if (policy?.Profile != "P4" || !verdict.Passed || options.Revocation == RevocationMode.Off)
            return null;
        var answered = verdict.RevocationData.OfType<ParsedOcspResponse>()
            .Any(r => r.Responses.Any(s => s.Serial.Equals(signer.Serial)));
        return answered ? null : "profile P4 requires an OCSP response for the signer certificate";
    }
}
