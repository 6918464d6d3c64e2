using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// Revocation from CRLs (RFC 5280 §6.3): the CRLs that cover a certificate (issuer, distribution point, scope, reason
/// masks), their freshness, their signer (whose own path is validated), delta CRLs, and the entry for the serial.
/// Every instant compared with the validation time is recorded on the context, so cached results stay exact.
/// </summary>
internal static class CrlRevocation
{
    private const int AllReasons = ReasonFlags.KeyCompromise | ReasonFlags.CACompromise | ReasonFlags.AffiliationChanged
        | ReasonFlags.Superseded | ReasonFlags.CessationOfOperation | ReasonFlags.CertificateHold
        | ReasonFlags.PrivilegeWithdrawn | ReasonFlags.AACompromise;

    /// <summary>RFC 5280 §6.3.3: CRL processing for one certificate, with reason masks, IDP scope and delta CRLs.</summary>
    public static RevocationOutcome Check(PathValidationContext ctx, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, ParsedCertificate anchor, List<ParsedCertificate> chain)
    {
        // Freshness against the instant the data must be current at; revocation dates against the instant judged.
        var time = ctx.FreshAt;
        var grace = ctx.Request.CrlGrace;
        var reasonsMask = 0;
        var stale = false;
        string? detail = null;
        var dps = cert.CrlDistributionPoints?.GetDistributionPoints() is { Length: > 0 } list
            ? list.Select(d => (DistributionPoint?)d).ToList()
            : [null];
        foreach (var dp in dps)
        {
            var dpIssuers = dp?.CrlIssuer?.GetNames().Where(g => g.TagNo == GeneralName.DirectoryName)
                .Select(g => X509Name.GetInstance(g.Name)).ToList() ?? [];
            foreach (var crl in ctx.Request.Crls)
            {
                if (reasonsMask == AllReasons)
                    break;
                if (crl.IsDelta)
                    continue;
                var idp = crl.IssuingDistributionPoint;
                var indirect = idp?.IsIndirectCrl == true;
                if (dpIssuers.Count > 0)
                {
                    if (!indirect || !dpIssuers.Any(n => n.Equivalent(crl.Issuer, true)))
                        continue;
                }
                else if (!crl.Issuer.Equivalent(cert.Issuer, true))
                {
                    continue;
                }
                if (crl.Unusable is not null)
                {
                    detail = crl.Unusable;
                    continue;
                }
                if (idp?.DistributionPoint is not null)
                {
                    var idpNames = FullNames(idp.DistributionPoint, crl.Issuer);
                    IEnumerable<GeneralName> dpNames = dp?.DistributionPointName is not null
                        ? FullNames(dp.DistributionPointName, dpIssuers.FirstOrDefault() ?? cert.Issuer)
                        : dpIssuers.Count > 0
                            ? dpIssuers.Select(x => new GeneralName(x))
                            : [new GeneralName(cert.Issuer)];
                    if (!idpNames.Any(a => dpNames.Any(b => SameName(a, b))))
                        continue;
                }
                if (idp is not null)
                {
                    if ((idp.OnlyContainsUserCerts && cert.IsCa) || (idp.OnlyContainsCACerts && !cert.IsCa)
                        || idp.OnlyContainsAttributeCerts)
                    {
                        detail = "the CRL's scope (issuingDistributionPoint) does not cover this certificate";
                        continue;
                    }
                }
                var interim = (idp?.OnlySomeReasons?.IntValue ?? AllReasons) & (dp?.Reasons?.IntValue ?? AllReasons) & AllReasons;
                if ((interim & ~reasonsMask) == 0)
                    continue;
                ctx.Consulted.Add(crl.ThisUpdate);
                if (crl.ThisUpdate > time)
                {
                    detail = "the CRL was issued after the validation time";
                    continue;
                }
                if (crl.NextUpdate is { } next)
                {
                    ctx.Consulted.Add(next + grace);
                    if (next + grace < time)
                    {
                        // A delta CRL built on a newer base means this complete CRL is superseded, not merely late.
                        var superseded = ctx.Request.Crls.Any(d => d.IsDelta && d.Issuer.Equivalent(crl.Issuer, true)
                                                                   && d.DeltaBaseNumber!.CompareTo(crl.CrlNumber) > 0);
                        stale |= !superseded;
                        detail = superseded
                            ? "the CRL is superseded (a delta CRL needs a newer base CRL) and past its nextUpdate"
                            : $"the CRL's nextUpdate {next:u} has passed";
                        continue;
                    }
                }
                var signerKey = FindCrlSigner(ctx, crl, cert, issuer, issuerKey, anchor, chain, out var signerId, out var signerProblem);
                if (signerKey is null)
                {
                    detail = signerProblem;
                    continue;
                }
                // Delta CRLs: same issuer, scope and signer, based on this complete CRL.
                ParsedCrl? delta = null;
                var deltaProblem = false;
                foreach (var d in ctx.Request.Crls.Where(d => d.IsDelta && d.Issuer.Equivalent(crl.Issuer, true)
                             && SameScope(d, crl) && d.DeltaBaseNumber!.CompareTo(crl.CrlNumber) <= 0
                             && d.CrlNumber!.CompareTo(crl.CrlNumber) > 0))
                {
                    ctx.Consulted.Add(d.ThisUpdate);
                    // Consulted whether it passes or not: a result that depends on it must not be cached across it.
                    if (d.NextUpdate is { } dnc)
                        ctx.Consulted.Add(dnc + grace);
                    if (d.Unusable is not null || d.ThisUpdate > time
                        || (d.NextUpdate is { } dn && dn + grace < time)
                        || SignatureResults.CheckCrl(d, signerKey, signerId!, ctx.Request.Algorithms).Item1 != SignatureCheck.Valid)
                    {
                        deltaProblem = true;
                        continue;
                    }
                    delta = d;
                    deltaProblem = false;
                    break;
                }
                if (deltaProblem)
                {
                    detail = "the delta CRL for this CRL is stale or unusable";
                    continue;
                }
                var entry = delta?.Find(cert.Serial, cert.Issuer);
                if (entry is null || entry.Reason != ParsedCrl.ReasonRemoveFromCrl)
                {
                    entry ??= crl.Find(cert.Serial, cert.Issuer);
                    if (entry is not null && entry.Reason != ParsedCrl.ReasonRemoveFromCrl)
                    {
                        ctx.Consulted.Add(entry.RevocationDate);
                        if (entry.RevocationDate <= ctx.RevokedBy)
                        {
                            Used(ctx, crl, delta);
                            return new RevocationOutcome(false, false, entry, null);
                        }
                    }
                }
                reasonsMask |= interim;
                Used(ctx, crl, delta);
            }
        }
        if (reasonsMask == AllReasons)
            return new RevocationOutcome(true, false, null, null);
        return new RevocationOutcome(false, stale && reasonsMask == 0, null,
            detail ?? "no CRL from the certificate's issuer or distribution point");
    }

    /// <summary>Finds the key that signed a CRL and validates the CRL issuer's own path (§6.3.3 (f)).</summary>
    private static PublicKeyHandle? FindCrlSigner(PathValidationContext ctx, ParsedCrl crl, ParsedCertificate subject, ParsedCertificate issuer, PublicKeyHandle issuerKey,
        ParsedCertificate anchor, List<ParsedCertificate> chain, out string? signerId, out string? problem)
    {
        var policy = ctx.Request.Algorithms;
        problem = null;
        signerId = null;
        if (crl.Issuer.Equivalent(issuer.Subject, true))
        {
            var (r, d) = SignatureResults.CheckCrl(crl, issuerKey, issuer.Sha256, policy);
            if (r == SignatureCheck.Valid)
            {
                if (!issuer.HasKeyUsage(KeyUsage.CrlSign))
                {
                    problem = "the CRL issuer's keyUsage lacks cRLSign";
                    ctx.Uncacheable = true;
                    return null;
                }
                signerId = issuer.Sha256;
                return issuerKey;
            }
            problem = "the CRL signature could not be verified: " + d;
        }
        // Beyond the issuer on the path: the answer depends on the certificate pools and the depth.
        ctx.Uncacheable = true;
        if (ctx.Depth >= 2)
            return null;
        var candidates = ctx.Request.Intermediates.Concat(ctx.Request.TrustAnchors).Concat(chain)
            .Where(c => c.Sha256 != issuer.Sha256 && c.Subject.Equivalent(crl.Issuer, true))
            .DistinctBy(c => c.Sha256);
        foreach (var candidate in candidates)
        {
            var (r, _) = SignatureResults.CheckCrl(crl, candidate.Key, candidate.Sha256, policy);
            if (r != SignatureCheck.Valid)
                continue;
            if (!candidate.HasKeyUsage(KeyUsage.CrlSign))
            {
                problem = "the CRL issuer's keyUsage lacks cRLSign";
                continue;
            }
            // The anchor needs no path; a CRL issuer listed on its own CRL is being validated right now
            // (this very call is part of its path check), so recursing again would never end.
            if (candidate.Sha256 == anchor.Sha256 || candidate.Sha256 == subject.Sha256)
            {
                signerId = candidate.Sha256;
                return candidate.Key;
            }
            var sub = new PathValidationContext(ctx.Request with
            {
                Target = candidate,
                InitialPolicySet = null,
                InitialExplicitPolicy = false,
                InitialPolicyMappingInhibit = false,
                InitialAnyPolicyInhibit = false,
                CheckTargetValidity = true,
            }, ctx.Time, ctx.Depth + 1, anchor);
            var result = PathValidator.ValidateCore(sub, candidate);
            ctx.Consulted.AddRange(sub.Consulted);
            if (result.IsValid)
            {
                // The CRL issuer's own path and its revocation data are part of what the answer rests on.
                ctx.RevocationUsed.AddRange(result.Revocation);
                signerId = candidate.Sha256;
                return candidate.Key;
            }
            problem = "the CRL issuer's certificate is not valid: " + result.Message;
        }
        problem ??= "no certificate of the CRL issuer verifies the CRL signature";
        return null;
    }

    private static void Used(PathValidationContext ctx, ParsedCrl crl, ParsedCrl? delta)
    {
        ctx.RevocationUsed.Add(crl);
        if (delta is not null)
            ctx.RevocationUsed.Add(delta);
    }

    private static bool SameScope(ParsedCrl a, ParsedCrl b)
    {
        var x = a.IssuingDistributionPoint?.GetDerEncoded();
        var y = b.IssuingDistributionPoint?.GetDerEncoded();
        return x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);
    }

    private static List<GeneralName> FullNames(DistributionPointName name, X509Name relativeTo)
    {
        if (name.Type == DistributionPointName.FullName)
            return GeneralNames.GetInstance(name.Name).GetNames().ToList();
        // nameRelativeToCRLIssuer: the issuer's DN with one more RDN appended.
        var rdns = Asn1Sequence.GetInstance(relativeTo.ToAsn1Object()).Cast<Asn1Encodable>().ToList();
        rdns.Add(name.Name);
        return [new GeneralName(X509Name.GetInstance(new DerSequence(rdns.ToArray())))];
    }

    private static bool SameName(GeneralName a, GeneralName b)
    {
        if (a.TagNo != b.TagNo)
            return false;
        if (a.TagNo == GeneralName.DirectoryName)
            return X509Name.GetInstance(a.Name).Equivalent(X509Name.GetInstance(b.Name), true);
        return a.Equals(b);
    }
}
