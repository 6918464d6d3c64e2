using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>What an OCSP response says about one certificate, once judged.</summary>
public enum OcspStatus
{
    Good,
    /// <summary>Revoked at or before the time judged (<see cref="OcspJudgement.RevocationTime"/>).</summary>
    Revoked,
    /// <summary>The responder does not know the serial: the issuer disowns it.</summary>
    Unknown,
    /// <summary>The response may not be relied on (<see cref="OcspJudgement.Problem"/> says why).</summary>
    Unusable,
}

/// <summary>Why an OCSP response is unusable.</summary>
public enum OcspProblem
{
    None,
    /// <summary>The responder answered with an error status (malformedRequest, internalError, tryLater, …) or no basic response.</summary>
    ResponderError,
    /// <summary>No SingleResponse names this certificate (serial, issuer name hash, issuer key hash).</summary>
    WrongCertificate,
    /// <summary>The responderID names neither the issuer nor a certificate carried in the response.</summary>
    ResponderIdMismatch,
    /// <summary>The signer is neither the issuer nor a certificate the issuer issued.</summary>
    UntrustedSigner,
    /// <summary>A delegated responder certificate without the id-kp-OCSPSigning extended key usage.</summary>
    SignerLacksOcspSigning,
    /// <summary>A delegated responder certificate outside its validity period when the response was produced.</summary>
    SignerNotValid,
    /// <summary>A delegated responder certificate revoked, or of unknown status (no nocheck extension and no usable CRL).</summary>
    SignerRevocation,
    /// <summary>The response signature does not verify, or its algorithm is not accepted.</summary>
    BadSignature,
    /// <summary>nextUpdate (plus skew) lies before the time judged; without nextUpdate, thisUpdate plus skew does.</summary>
    Stale,
    /// <summary>thisUpdate lies after the time judged plus skew.</summary>
    NotYetValid,
}

/// <summary>The judgement of one OCSP response for one certificate.</summary>
public sealed record OcspJudgement(OcspStatus Status, OcspProblem Problem, string? Detail, OcspSingleResponse? Single = null,
    ParsedCertificate? Signer = null)
{
    /// <summary>When the responder says the certificate was revoked (also when that is after the time judged).</summary>
    public DateTime? RevocationTime => Single?.RevocationTime;
    /// <summary>The CRLReason code the responder gave, if any.</summary>
    public int? RevocationReason => Single?.RevocationReason;
    public bool Usable => Status != OcspStatus.Unusable;
}

/// <summary>
/// The OCSP building block (RFC 6960): whether a response may be relied on for (certificate, issuer) at a time, and what
/// it says. Checked: a successful basic response; the SingleResponse whose CertID names the certificate (SHA-1 or SHA-2
/// CertIDs); the signer — the issuer itself, or a delegated responder certificate carried in the response, issued by the
/// same issuer, with id-kp-OCSPSigning, valid when the response was produced, and not revoked (not checked when it
/// carries id-pkix-ocsp-nocheck, otherwise checked with the issuer's CRLs); the responderID naming that signer; the
/// signature; and freshness within the skew. The nonce is not judged here: only the client that sent the request knows it.
/// Pure and thread-safe; signature answers come from <see cref="SignatureResults"/>.
/// </summary>
public static class OcspValidation
{
    public const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
    public const string NoCheckOid = "1.3.6.1.5.5.7.48.1.5";

    private static readonly Dictionary<string, HashAlgorithmName> CertIdHashes = new()
    {
        ["1.3.14.3.2.26"] = HashAlgorithmName.SHA1,
        ["2.16.840.1.101.3.4.2.1"] = HashAlgorithmName.SHA256,
        ["2.16.840.1.101.3.4.2.2"] = HashAlgorithmName.SHA384,
        ["2.16.840.1.101.3.4.2.3"] = HashAlgorithmName.SHA512,
    };

    /// <summary>The time-independent part of a judgement: the matching single response and the signer, or the problem.</summary>
    private sealed record Identified(OcspSingleResponse? Single, ParsedCertificate? Signer, bool SignerNeedsRevocationCheck,
        OcspProblem Problem, string? Detail);

    private static readonly BoundedCache<(string Response, string Cert, string Issuer, string Policy), Identified> Identifications =
        new(2 * CacheBounds.SignerWorkingSet);
    private static readonly BoundedCache<(string Cert, string Hash), (byte[] Name, byte[] Key)> IssuerHashes = new(1000);

    /// <summary>
    /// Judges <paramref name="response"/> for <paramref name="certificate"/> issued by <paramref name="issuer"/> at
    /// <paramref name="at"/>. <paramref name="issuerCrls"/> are the CRLs a delegated responder without
    /// id-pkix-ocsp-nocheck is checked against (none: such a responder is unusable). The caller that sent the request
    /// compares its nonce with <see cref="ParsedOcspResponse.Nonce"/> itself.
    /// </summary>
    public static OcspJudgement Judge(ParsedOcspResponse response, ParsedCertificate certificate, ParsedCertificate issuer,
        DateTimeOffset at, TimeSpan skew, AlgorithmPolicy algorithms, IReadOnlyList<ParsedCrl>? issuerCrls = null)
    {
        var t = Truncate(at.UtcDateTime);
        return JudgeCore(response, certificate, issuer, issuer.Key, t, t, skew, algorithms, issuerCrls ?? [], null);
    }

    /// <param name="freshAt">The instant the response must be current at.</param>
    /// <param name="revokedBy">A revocation at or before this instant counts.</param>
    /// <param name="consulted">Receives every instant compared with the times (the caches' quiet-minute rule).</param>
    internal static OcspJudgement JudgeCore(ParsedOcspResponse response, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, DateTime freshAt, DateTime revokedBy, TimeSpan skew, AlgorithmPolicy algorithms,
        IReadOnlyList<ParsedCrl> issuerCrls, List<DateTime>? consulted)
    {
        var key = (response.Sha256, cert.Sha256, issuer.Sha256, algorithms.Describe());
        if (!Identifications.TryGetValue(key, out var id))
            id = Identifications.Add(key, Identify(response, cert, issuer, issuerKey, algorithms));
        if (id.Problem != OcspProblem.None)
            return new OcspJudgement(OcspStatus.Unusable, id.Problem, id.Detail, id.Single, id.Signer);
        var single = id.Single!;
        if (id.SignerNeedsRevocationCheck
            && ResponderRevocation(id.Signer!, issuer, issuerKey, freshAt, revokedBy, algorithms, issuerCrls, consulted) is { } signerProblem)
            return new OcspJudgement(OcspStatus.Unusable, OcspProblem.SignerRevocation, signerProblem, single, id.Signer);

        consulted?.Add(single.ThisUpdate - skew);
        if (single.ThisUpdate - skew > freshAt)
            return new OcspJudgement(OcspStatus.Unusable, OcspProblem.NotYetValid,
                $"the OCSP response's thisUpdate {single.ThisUpdate:u} lies after the validation time (skew {skew.TotalSeconds:0} s)", single, id.Signer);
        // Without nextUpdate the responder promises nothing beyond thisUpdate: current only within the skew of it.
        var until = (single.NextUpdate ?? single.ThisUpdate) + skew;
        consulted?.Add(until);
        if (until < freshAt)
            return new OcspJudgement(OcspStatus.Unusable, OcspProblem.Stale, single.NextUpdate is { } next
                ? $"the OCSP response's nextUpdate {next:u} has passed (skew {skew.TotalSeconds:0} s)"
                : $"the OCSP response has no nextUpdate and its thisUpdate {single.ThisUpdate:u} is older than the skew of {skew.TotalSeconds:0} s",
                single, id.Signer);

        switch (single.Status)
        {
            case OcspCertStatus.Good:
                return new OcspJudgement(OcspStatus.Good, OcspProblem.None, null, single, id.Signer);
            case OcspCertStatus.Revoked:
                consulted?.Add(single.RevocationTime!.Value);
                return single.RevocationTime!.Value <= revokedBy
                    ? new OcspJudgement(OcspStatus.Revoked, OcspProblem.None,
                        $"revoked at {single.RevocationTime:u}" + (single.RevocationReason is { } r ? $" (reason {r})" : ""), single, id.Signer)
                    : new OcspJudgement(OcspStatus.Good, OcspProblem.None, $"revoked only at {single.RevocationTime:u}, after the time judged", single, id.Signer);
            default:
                return new OcspJudgement(OcspStatus.Unknown, OcspProblem.None,
                    $"the OCSP responder does not know serial {cert.Serial.ToString(16)} (status unknown): its issuer disowns it", single, id.Signer);
        }
    }

    private static Identified Identify(ParsedOcspResponse response, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, AlgorithmPolicy algorithms)
    {
        if (!response.IsSuccessful)
            return Problem(OcspProblem.ResponderError, response.ResponseStatus == 0
                ? "the OCSP response is not a basic OCSP response"
                : $"the OCSP responder answered {StatusName(response.ResponseStatus)} ({response.ResponseStatus})");

        OcspSingleResponse? single = null;
        foreach (var candidate in response.Responses)
        {
            if (!candidate.Serial.Equals(cert.Serial) || !CertIdHashes.TryGetValue(candidate.HashAlgorithmOid, out var hash))
                continue;
            var (nameHash, keyHash) = IssuerHashesOf(issuer, hash);
            if (candidate.IssuerNameHash.AsSpan().SequenceEqual(nameHash) && candidate.IssuerKeyHash.AsSpan().SequenceEqual(keyHash))
            {
                single = candidate;
                break;
            }
        }
        if (single is null)
            return Problem(OcspProblem.WrongCertificate,
                $"the OCSP response has no answer for serial {cert.Serial.ToString(16)} of {issuer.Subject}");

        // The signer: the issuer itself, or a delegated responder carried in the response; the responderID names it.
        var candidates = new List<ParsedCertificate> { issuer };
        foreach (var der in response.Certificates)
        {
            if (ParsedCertificate.TryFrom(der) is { } c && c.Sha256 != issuer.Sha256)
                candidates.Add(c);
        }
        var named = candidates.Where(c => NamedByResponderId(response, c)).ToList();
        if (named.Count == 0)
            return Problem(OcspProblem.ResponderIdMismatch, "the OCSP responderID names neither the issuer nor a certificate in the response", single);

        (OcspProblem Problem, string Detail)? best = null;
        void Note(OcspProblem p, string d)
        {
            // The most specific reason wins: a responder that is the issuer's but lacks a property says more than a stranger.
            if (best is null || Rank(p) > Rank(best.Value.Problem))
                best = (p, d);
        }
        foreach (var signer in named)
        {
            var delegated = signer.Sha256 != issuer.Sha256;
            if (delegated)
            {
                if (!signer.Issuer.Equivalent(issuer.Subject, true)
                    || SignatureResults.CheckCertificate(signer, issuerKey, issuer, algorithms).Item1 != SignatureCheck.Valid)
                {
                    Note(OcspProblem.UntrustedSigner, $"the OCSP responder {signer.Subject} is not a certificate issued by {issuer.Subject}");
                    continue;
                }
            }
            var (sig, detail) = SignatureResults.CheckOcsp(response, delegated ? signer.Key : issuerKey, signer.Sha256, algorithms);
            if (sig != SignatureCheck.Valid)
            {
                Note(OcspProblem.BadSignature, "the OCSP response signature could not be verified: " + detail);
                continue;
            }
            if (!delegated)
                return new Identified(single, signer, false, OcspProblem.None, null);
            if (!HasOcspSigning(signer))
            {
                Note(OcspProblem.SignerLacksOcspSigning, $"the delegated OCSP responder {signer.Subject} lacks the id-kp-OCSPSigning extended key usage");
                continue;
            }
            var produced = response.ProducedAt!.Value;
            if (produced < signer.NotBefore || produced > signer.NotAfter)
            {
                Note(OcspProblem.SignerNotValid, $"the delegated OCSP responder's certificate was not valid when the response was produced ({produced:u})");
                continue;
            }
            var noCheck = signer.Extensions.Any(e => e.Oid == NoCheckOid);
            return new Identified(single, signer, !noCheck, OcspProblem.None, null);
        }
        return Problem(best!.Value.Problem, best.Value.Detail, single);
    }

    private static int Rank(OcspProblem p) => p switch
    {
        OcspProblem.UntrustedSigner => 1,
        OcspProblem.BadSignature => 2,
        _ => 3,
    };

    private static Identified Problem(OcspProblem problem, string detail, OcspSingleResponse? single = null) =>
        new(single, null, false, problem, detail);

    /// <summary>A delegated responder without nocheck: its serial on the issuer's CRLs, current at the time. Null when not revoked.</summary>
    private static string? ResponderRevocation(ParsedCertificate responder, ParsedCertificate issuer, PublicKeyHandle issuerKey,
        DateTime freshAt, DateTime revokedBy, AlgorithmPolicy algorithms, IReadOnlyList<ParsedCrl> crls, List<DateTime>? consulted)
    {
        foreach (var crl in crls)
        {
            if (crl.IsDelta || crl.Unusable is not null || !crl.Issuer.Equivalent(issuer.Subject, true)
                || crl.IssuingDistributionPoint is { OnlyContainsCACerts: true } or { OnlyContainsAttributeCerts: true })
                continue;
            consulted?.Add(crl.ThisUpdate);
            if (crl.ThisUpdate > freshAt)
                continue;
            if (crl.NextUpdate is { } next)
            {
                consulted?.Add(next);
                if (next < freshAt)
                    continue;
            }
            if (SignatureResults.CheckCrl(crl, issuerKey, issuer.Sha256, algorithms).Item1 != SignatureCheck.Valid)
                continue;
            var entry = crl.Find(responder.Serial, responder.Issuer);
            if (entry is null || entry.Reason == ParsedCrl.ReasonRemoveFromCrl)
                return null;
            consulted?.Add(entry.RevocationDate);
            return entry.RevocationDate <= revokedBy ? $"the delegated OCSP responder's certificate was revoked at {entry.RevocationDate:u}" : null;
        }
        return "the delegated OCSP responder's certificate has no id-pkix-ocsp-nocheck extension and no usable CRL of its issuer covers it";
    }

    private static bool NamedByResponderId(ParsedOcspResponse response, ParsedCertificate c)
    {
        if (response.ResponderName is { } name)
            return c.Subject.Equivalent(name, true);
        if (response.ResponderKeyHash is { } keyHash)
            return SHA1.HashData(c.PublicKeyInfo.PublicKey.GetOctets()).AsSpan().SequenceEqual(keyHash);
        return false;
    }

    private static bool HasOcspSigning(ParsedCertificate c)
    {
        var ext = c.Certificate.CertificateStructure.TbsCertificate.Extensions?.GetExtension(X509Extensions.ExtendedKeyUsage);
        if (ext is null)
            return false;
        return ExtendedKeyUsage.GetInstance(ext.GetParsedValue()).HasKeyPurposeId(KeyPurposeID.id_kp_OCSPSigning);
    }

    /// <summary>issuerNameHash over the issuer's subject DER and issuerKeyHash over its public key's BIT STRING contents.</summary>
    private static (byte[] Name, byte[] Key) IssuerHashesOf(ParsedCertificate issuer, HashAlgorithmName hash)
    {
        var cacheKey = (issuer.Sha256, hash.Name!);
        if (IssuerHashes.TryGetValue(cacheKey, out var known))
            return known;
        var name = CryptographicOperations.HashData(hash, issuer.Subject.GetEncoded(Asn1Encodable.Der));
        var key = CryptographicOperations.HashData(hash, issuer.PublicKeyInfo.PublicKey.GetOctets());
        return IssuerHashes.Add(cacheKey, (name, key));
    }

    private static string StatusName(int status) => status switch
    {
        1 => "malformedRequest",
        2 => "internalError",
        3 => "tryLater",
        5 => "sigRequired",
        6 => "unauthorized",
        _ => "an unknown status",
    };

    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
}
