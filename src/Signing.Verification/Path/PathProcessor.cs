namespace Signing.Verification;

/// <summary>
/// RFC 5280 §6.1.2–6.1.5 over one candidate path (target first, anchor last): basic certificate processing of each
/// certificate from the anchor down (signature, validity, revocation, name chaining, name constraints, policies), with
/// the state between certificates kept by <see cref="PathState"/>. The part above the target is resumed from
/// <see cref="PathPrefixCache"/> when it validated before for the same inputs and minute.
/// </summary>
internal static class PathProcessor
{
    /// <summary>Critical extensions this validator processes; any other critical extension fails the path (§6.1.4 (o)).</summary>
    private static readonly HashSet<string> Processed =
    [
        "2.5.29.15", "2.5.29.19", "2.5.29.32", "2.5.29.33", "2.5.29.36", "2.5.29.54", "2.5.29.30", "2.5.29.17",
        "2.5.29.37", "2.5.29.31", "1.3.6.1.5.5.7.1.3",
    ];

    public static string? UnknownCritical(ParsedCertificate cert) =>
        cert.Extensions.FirstOrDefault(e => e.Critical && !Processed.Contains(e.Oid)).Oid;

    /// <summary>§6.1 over one candidate path; the result names the CRLs its revocation answers rested on (this path's only).</summary>
    public static PathValidationResult Process(PathValidationContext ctx, List<ParsedCertificate> chain)
    {
        var usedBefore = ctx.RevocationUsed.Count;
        var notesBefore = ctx.RevocationNotes.Count;
        var result = ProcessPath(ctx, chain, usedBefore, notesBefore);
        var used = ctx.RevocationUsed.Count - usedBefore;
        var notes = ctx.RevocationNotes.Count - notesBefore;
        if (notes > 0)
        {
            result = result with { RevocationNotes = ctx.RevocationNotes.GetRange(notesBefore, notes).Distinct().ToArray() };
            ctx.RevocationNotes.RemoveRange(notesBefore, notes);
        }
        if (used == 0)
            return result;
        var revocation = ctx.RevocationUsed.GetRange(usedBefore, used).Distinct().ToArray();
        ctx.RevocationUsed.RemoveRange(usedBefore, used);
        return result with { Revocation = revocation };
    }

    private static PathValidationResult ProcessPath(PathValidationContext ctx, List<ParsedCertificate> chain, int usedBefore, int notesBefore)
    {
        var n = chain.Count - 1;
        PathState state;
        var first = 1;

        var prefixKey = PathPrefixCache.Key(ctx, chain);
        var consultedBefore = ctx.Consulted.Count;
        var uncacheableBefore = ctx.Uncacheable;
        ctx.Uncacheable = false;
        if (prefixKey is { } lookup && PathPrefixCache.TryGet(lookup, out var prefix))
        {
            ctx.Consulted.AddRange(prefix.Consulted);
            ctx.RevocationUsed.AddRange(prefix.Revocation);
            ctx.RevocationNotes.AddRange(prefix.RevocationNotes);
            state = PathState.Resume(prefix);
            first = n;
            prefixKey = null;
        }
        else if (PathState.Start(ctx, chain, out state) is { } anchorFailure)
        {
            return anchorFailure;
        }

        for (var i = first; i <= n; i++)
        {
            if (i == n && prefixKey is { } storeKey)
            {
                // The prefix passed: remember its end state unless it depended on something outside the key (a CRL
                // signer found beyond the path, name constraints, an instant inside this minute).
                if (!ctx.Uncacheable && state.Names.IsEmpty && ValidationMinute.IsQuiet(ctx.Time, ctx.Consulted, consultedBefore))
                    PathPrefixCache.Add(storeKey, state.ToPrefix(ctx.Consulted.GetRange(consultedBefore, ctx.Consulted.Count - consultedBefore),
                        ctx.RevocationUsed.GetRange(usedBefore, ctx.RevocationUsed.Count - usedBefore),
                        ctx.RevocationNotes.GetRange(notesBefore, ctx.RevocationNotes.Count - notesBefore)));
                prefixKey = null;
            }
            if (i == n)
                ctx.Uncacheable |= uncacheableBefore;
            var cert = chain[n - i];
            var label = i == n ? "the target certificate" : $"intermediate certificate {i}";
            if (ProcessCertificate(ctx, chain, state, cert, i, label) is { } failure)
                return failure;
            if (i == n)
                break;
            if (state.PrepareNext(cert, i, label, chain) is { } notACa)
                return notACa;
        }
        return state.WrapUp(ctx.Request, chain);
    }

    /// <summary>§6.1.3: basic processing of certificate <paramref name="i"/> (1 = just below the anchor, n = the target).</summary>
    private static PathValidationResult? ProcessCertificate(PathValidationContext ctx, List<ParsedCertificate> chain, PathState state,
        ParsedCertificate cert, int i, string label)
    {
        var request = ctx.Request;
        var time = ctx.Time;
        var n = chain.Count - 1;
        PathValidationResult Fail(PathFailure f, string m, CrlEntry? e = null) => PathValidationResult.Fail(f, m, cert, chain, e);

        if ((cert.ProfileViolation ?? CertificateLint.MissingAuthorityKeyId(cert)) is { } violation)
            return Fail(PathFailure.Malformed, $"{label}: {violation}");

        // (a)(1) signature
        var (sig, detail) = SignatureResults.CheckCertificate(cert, state.WorkingKey, state.WorkingIssuer, request.Algorithms);
        if (sig != SignatureCheck.Valid)
        {
            var failure = sig switch
            {
                SignatureCheck.Weak => PathFailure.WeakAlgorithm,
                SignatureCheck.Unsupported => PathFailure.UnsupportedAlgorithm,
                _ => PathFailure.Signature,
            };
            return Fail(failure, $"the signature of {label} could not be verified: {detail}");
        }
        // (a)(2) validity
        if (i < n || request.CheckTargetValidity)
        {
            ctx.Consulted.Add(cert.NotBefore);
            ctx.Consulted.Add(cert.NotAfter);
            if (time < cert.NotBefore)
                return Fail(PathFailure.NotYetValid, $"{label} is not valid before {cert.NotBefore:u}");
            if (time > cert.NotAfter)
                return Fail(PathFailure.Expired, $"{label} expired at {cert.NotAfter:u}");
        }
        // (a)(3) revocation
        if (request.Revocation != RevocationMode.Off)
        {
            var rev = RevocationStatus.Check(ctx, cert, state.WorkingIssuer, state.WorkingKey, chain[^1], chain);
            if (rev.Entry is not null)
                return Fail(PathFailure.Revoked,
                    $"{rev.Source} indicates {label} was revoked at {rev.Entry.RevocationDate:u} (reason {rev.Entry.Reason})", rev.Entry);
            if (rev.UnknownToIssuer)
                return Fail(PathFailure.UnknownToIssuer, $"{label}: {rev.Detail}");
            if (!rev.Good && request.Revocation == RevocationMode.Required)
            {
                var why = $"no usable revocation information for {label}" + (rev.Detail is null ? "" : ": " + rev.Detail);
                var level = i < n ? request.RevocationPolicy.CaCertificates : ConstraintLevel.Fail;
                if (level == ConstraintLevel.Fail)
                    return Fail(rev.Stale ? PathFailure.StaleRevocationInfo : PathFailure.NoRevocationInfo, why);
                if (level != ConstraintLevel.Ignore)
                    ctx.RevocationNotes.Add(why);
            }
        }
        // (a)(4) name chaining
        if (!cert.Issuer.Equivalent(state.WorkingIssuer.Subject, true))
            return Fail(PathFailure.NoChain, $"the issuer of {label} does not match the subject of its issuer");
        // (b)(c) name constraints (not for self-issued intermediates)
        if (!(cert.IsSelfIssued && i < n) && state.Names.Check(cert) is { } ncViolation)
            return Fail(PathFailure.NameConstraints, $"{label} violates name constraints: {ncViolation}");
        // (d)(e)(f) certificate policies
        return state.ProcessPolicies(cert, i, n, label, chain);
    }
}
