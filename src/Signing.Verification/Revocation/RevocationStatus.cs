namespace Signing.Verification;

/// <summary>
/// The revocation answer for one certificate of a path: good (every reason covered), revoked (<see cref="Entry"/>),
/// or neither, with whether the only data was stale and why nothing usable was found.
/// </summary>
internal sealed record RevocationOutcome(bool Good, bool Stale, CrlEntry? Entry, string? Detail, string Source = "CRL", bool UnknownToIssuer = false);

/// <summary>
/// Revocation checking of one certificate of a path (RFC 5280 §6.1.3 (a)(3)): the revocation sources asked in the
/// policy's order. OCSP (<see cref="OcspValidation"/>, responses from the <see cref="IRevocationSource"/>): good and
/// revoked are answers; unknown is a definite refusal (the issuer disowns the serial), never a reason to ask the CRLs;
/// an unusable or absent response passes to the next source. CRLs: <see cref="CrlRevocation"/>.
/// </summary>
internal static class RevocationStatus
{
    /// <param name="issuer">The certificate's issuer on the path, with <paramref name="issuerKey"/> (its key, DSA parameters inherited).</param>
    public static RevocationOutcome Check(PathValidationContext ctx, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, ParsedCertificate anchor, List<ParsedCertificate> chain)
    {
        var request = ctx.Request;
        string? ocspDetail = null;
        var ocspStale = false;
        RevocationOutcome? crl = null;
        foreach (var kind in request.RevocationPolicy.Order)
        {
            if (kind == RevocationSourceKind.Crl)
            {
                crl = CrlRevocation.Check(ctx, cert, issuer, issuerKey, anchor, chain);
                if (crl.Good || crl.Entry is not null)
                    return crl;
                continue;
            }
            if (request.RevocationSource?.FindOcsp(cert, issuer) is not { } response)
            {
                ocspDetail = request.RevocationSource is null ? null : "no OCSP response is held for it";
                continue;
            }
            var judgement = OcspValidation.JudgeCore(response, cert, issuer, issuerKey, ctx.FreshAt, ctx.RevokedBy,
                request.RevocationPolicy.OcspSkew, request.Algorithms, request.Crls, ctx.Consulted);
            switch (judgement.Status)
            {
                case OcspStatus.Good:
                    ctx.RevocationUsed.Add(response);
                    return new RevocationOutcome(true, false, null, null, "OCSP");
                case OcspStatus.Revoked:
                    ctx.RevocationUsed.Add(response);
                    return new RevocationOutcome(false, false, new CrlEntry(cert.Serial, cert.Issuer, judgement.RevocationTime!.Value,
                        judgement.RevocationReason ?? ParsedCrl.ReasonUnspecified), null, "OCSP");
                case OcspStatus.Unknown:
                    ctx.RevocationUsed.Add(response);
                    return new RevocationOutcome(false, false, null, judgement.Detail, "OCSP", UnknownToIssuer: true);
                default:
                    ocspDetail = "OCSP: " + judgement.Detail;
                    ocspStale = judgement.Problem == OcspProblem.Stale;
                    break;
            }
        }
        var detail = (ocspDetail, crl?.Detail) switch
        {
            (null, var c) => c,
            (var o, null) => o,
            (var o, var c) => o + "; CRL: " + c,
        };
        // Stale only when every source that had data had only stale data.
        var stale = (crl is null || crl.Stale) && (ocspDetail is null || ocspStale) && (crl?.Stale == true || ocspStale);
        return new RevocationOutcome(false, stale, null, detail ?? "no revocation source is enabled by the policy");
    }
}
