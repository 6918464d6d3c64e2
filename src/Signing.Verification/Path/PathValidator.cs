using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// RFC 5280 certification path building and validation (§6.1) with CRL checking (§6.3). Written out rather
/// than delegated to BouncyCastle's PkixCertPathValidator so that every failure has a precise reason and
/// the result can be cached; BouncyCastle supplies the ASN.1 parsers and the name-constraint arithmetic.
/// Thread-safe: all state is per call, caches are concurrent.
/// </summary>
public static class PathValidator
{
    private const int MaxIntermediates = 10;
    private const int MaxExpansions = 2_000;
    private const int MaxCompletePaths = 32;
    private const int AllReasons = ReasonFlags.KeyCompromise | ReasonFlags.CACompromise | ReasonFlags.AffiliationChanged
        | ReasonFlags.Superseded | ReasonFlags.CessationOfOperation | ReasonFlags.CertificateHold
        | ReasonFlags.PrivilegeWithdrawn | ReasonFlags.AACompromise;

    /// <summary>Critical extensions this validator processes; any other critical extension fails the path (§6.1.4 (o)).</summary>
    private static readonly HashSet<string> Processed =
    [
        "2.5.29.15", "2.5.29.19", "2.5.29.32", "2.5.29.33", "2.5.29.36", "2.5.29.54", "2.5.29.30", "2.5.29.17",
        "2.5.29.37", "2.5.29.31", "1.3.6.1.5.5.7.1.3",
    ];

    // Tuple keys of strings the certificates already hold: a key made by concatenation would be a new string kept
    // alive per cached entry, and every never-seen leaf adds entries.
    private static readonly BoundedCache<(string Kind, string Subject, string Signer, bool Inherited, string Policy), (SignatureCheck Result, string Detail)> SignatureCache = new(2 * CacheBounds.SignerWorkingSet);
    private static readonly BoundedCache<ResultKey, PathValidationResult> ResultCache = new(CacheBounds.SignerWorkingSet);

    private readonly record struct ResultKey(string Scope, string Target, long Bucket, string PolicySet, bool ExplicitPolicy,
        bool PolicyMappingInhibit, bool AnyPolicyInhibit, RevocationMode Revocation, long GraceTicks, string Algorithms, bool CheckTargetValidity);
    private static readonly TimeSpan Bucket = TimeSpan.FromMinutes(1);

    /// <summary>Validates a certificate path. Never throws for bad certificates or CRLs.</summary>
    public static PathValidationResult Validate(PathValidationRequest request)
    {
        var time = TruncateToSeconds(request.Time.UtcDateTime);
        ResultKey? cacheKey = null;
        if (request.CacheScope is not null)
        {
            var bucketStart = new DateTime(time.Ticks - time.Ticks % Bucket.Ticks, DateTimeKind.Utc);
            cacheKey = new ResultKey(request.CacheScope, request.Target.Sha256, bucketStart.Ticks,
                request.InitialPolicySet is null ? "any" : string.Join(',', request.InitialPolicySet.Order()),
                request.InitialExplicitPolicy, request.InitialPolicyMappingInhibit, request.InitialAnyPolicyInhibit,
                request.Revocation, request.CrlGrace.Ticks, request.Algorithms.Describe(), request.CheckTargetValidity);
            if (ResultCache.TryGetValue(cacheKey.Value, out var hit))
                return hit;
        }
        var ctx = new Context(request, time, 0, null);
        PathValidationResult result;
        try
        {
            result = ValidateCore(ctx, request.Target);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Defence in depth: a parser corner case must become a failure, never an exception or a pass.
            result = PathValidationResult.Fail(PathFailure.Malformed, "path validation failed on malformed input: " + e.Message);
        }
        if (cacheKey is { } key)
        {
            // The result depends on time only through the instants compared with it: cache it for this minute
            // only when none of them falls inside the minute.
            if (QuietMinute(time, ctx.Consulted, 0))
            {
                ResultCache.Add(key, result);
            }
        }
        return result;
    }

    private sealed class Context(PathValidationRequest request, DateTime time, int depth, ParsedCertificate? onlyAnchor)
    {
        public PathValidationRequest Request { get; } = request;
        public DateTime Time { get; } = time;
        public int Depth { get; } = depth;
        public IReadOnlyList<ParsedCertificate> Anchors { get; } = onlyAnchor is null ? request.TrustAnchors : [onlyAnchor];
        public List<DateTime> Consulted { get; } = [];
        /// <summary>Set when the validation consulted inputs outside the prefix cache key (CRL signers off the path).</summary>
        public bool Uncacheable { get; set; }
    }

    /// <summary>The validation state after the anchor and the intermediates (RFC 5280 §6.1 variables before the target).</summary>
    private sealed record Prefix(PolicyTree? Tree, int ExplicitPolicy, int InhibitAny, int PolicyMapping, int MaxPathLength,
        PublicKeyHandle WorkingKey, ParsedCertificate WorkingIssuer, List<DateTime> Consulted);

    private static readonly BoundedCache<PrefixCacheKey, Prefix> PrefixCache = new(10_000);
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<ParsedCrl>, CrlSetKey> CrlSetKeys = new();

    /// <summary>The CRL hashes of a list instance, with the members they were computed from (the list may be mutable).</summary>
    private sealed record CrlSetKey(ParsedCrl[] Members, string Key);

    private static string CrlKey(IReadOnlyList<ParsedCrl> crls)
    {
        if (CrlSetKeys.TryGetValue(crls, out var known) && known.Members.Length == crls.Count)
        {
            var same = true;
            for (var i = 0; i < crls.Count && same; i++)
                same = ReferenceEquals(known.Members[i], crls[i]);
            if (same)
                return known.Key;
        }
        var members = crls.ToArray();
        var key = string.Join(',', members.Select(c => c.Sha256));
        CrlSetKeys.AddOrUpdate(crls, new CrlSetKey(members, key));
        return key;
    }

    private readonly record struct PrefixCacheKey(string Cas, string Crls, long Bucket, RevocationMode Revocation, long GraceTicks,
        bool ExplicitPolicy, bool PolicyMappingInhibit, bool AnyPolicyInhibit, string Algorithms);

    /// <summary>
    /// The key of the path above the target: the CA certificates, the CRL set, the time's minute and the request
    /// settings the anchor and intermediates are judged by. Null when not cached (sub-validations of CRL issuers).
    /// The target, the intermediates pool and the anchors pool are not in it: the prefix of a given chain does not
    /// depend on them, except through CRL signers found off the path, which make a prefix uncacheable.
    /// </summary>
    private static PrefixCacheKey? PrefixKey(Context ctx, List<ParsedCertificate> chain)
    {
        if (ctx.Depth != 0)
            return null;
        var r = ctx.Request;
        var crls = CrlKey(r.Crls);
        var bucket = ctx.Time.Ticks - ctx.Time.Ticks % Bucket.Ticks;
        // Strings the certificates already hold where possible (keys are built on every validation).
        var cas = chain.Count == 2 ? chain[1].Sha256
            : chain.Count == 3 ? TwoCaKey(chain[1], chain[2])
            : string.Join('/', chain.Skip(1).Select(c => c.Sha256));
        return new PrefixCacheKey(cas, crls, bucket, r.Revocation, r.CrlGrace.Ticks, r.InitialExplicitPolicy,
            r.InitialPolicyMappingInhibit, r.InitialAnyPolicyInhibit, r.Algorithms.Describe());
    }

    /// <summary>The last sub-CA/root pair's key: every leaf of a sub-CA asks for the same one.</summary>
    private sealed record CaPair(string Sub, string Root, string Key);
    private static CaPair? lastCaPair;

    private static string TwoCaKey(ParsedCertificate sub, ParsedCertificate root)
    {
        var last = Volatile.Read(ref lastCaPair);
        if (last is not null && last.Sub == sub.Sha256 && last.Root == root.Sha256)
            return last.Key;
        var pair = new CaPair(sub.Sha256, root.Sha256, string.Concat(sub.Sha256, "/", root.Sha256));
        Volatile.Write(ref lastCaPair, pair);
        return pair.Key;
    }

    /// <summary>Whether none of the instants consulted since <paramref name="from"/> lies in (or next to) the time's minute.</summary>
    private static bool QuietMinute(DateTime time, List<DateTime> consulted, int from)
    {
        var start = new DateTime(time.Ticks - time.Ticks % Bucket.Ticks, DateTimeKind.Utc);
        var low = start.AddSeconds(-1);
        var high = start + Bucket + TimeSpan.FromSeconds(1);
        for (var i = from; i < consulted.Count; i++)
        {
            if (consulted[i] > low && consulted[i] < high)
                return false;
        }
        return true;
    }

    private static DateTime TruncateToSeconds(DateTime t) =>
        new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static PathValidationResult ValidateCore(Context ctx, ParsedCertificate target)
    {
        PathValidationResult? best = null;
        var budget = new Budget();
        foreach (var path in BuildPaths(ctx, target, budget))
        {
            var wasUncacheable = ctx.Uncacheable;
            var result = ProcessPath(ctx, path);
            ctx.Uncacheable |= wasUncacheable;
            if (result.IsValid)
                return result;
            // A wrong-key candidate (same name, other key) is a mis-built path, not the real failure.
            if (best is null || (best.Failure == PathFailure.Signature && result.Failure != PathFailure.Signature))
                best = result;
            if (++budget.CompletePaths >= MaxCompletePaths)
                break;
        }
        if (best is not null)
            return best;
        if (target.ProfileViolation is not null)
            return PathValidationResult.Fail(PathFailure.Malformed, "target certificate: " + target.ProfileViolation, target, [target]);
        return PathValidationResult.Fail(PathFailure.NoChain,
            budget.Expansions >= MaxExpansions
                ? "no certification path to a trust anchor within the path-building budget"
                : "no certification path to a configured trust anchor", target, [target]);
    }

    private sealed class Budget
    {
        public int Expansions;
        public int CompletePaths;
    }

    /// <summary>Depth-first path building by name chaining, key-identifier matches first; no certificate twice.</summary>
    private static IEnumerable<List<ParsedCertificate>> BuildPaths(Context ctx, ParsedCertificate target, Budget budget)
    {
        var chain = new List<ParsedCertificate> { target };
        return Extend(ctx, chain, budget);
    }

    private static IEnumerable<List<ParsedCertificate>> Extend(Context ctx, List<ParsedCertificate> chain, Budget budget)
    {
        var current = chain[^1];
        if (++budget.Expansions > MaxExpansions)
            yield break;
        foreach (var anchor in Issuers(ctx.Anchors, current, chain, null))
            yield return [.. chain, anchor];
        if (chain.Count > MaxIntermediates)
            yield break;
        foreach (var next in Issuers(ctx.Request.Intermediates, current, chain, ctx.Anchors))
        {
            chain.Add(next);
            foreach (var path in Extend(ctx, chain, budget))
                yield return path;
            chain.RemoveAt(chain.Count - 1);
            if (budget.Expansions > MaxExpansions || budget.CompletePaths >= MaxCompletePaths)
                yield break;
        }
    }

    /// <summary>
    /// The certificates of <paramref name="pool"/> that may have issued <paramref name="child"/>: subject equal to its
    /// issuer name and not yet in the chain; those whose subjectKeyIdentifier matches its authorityKeyIdentifier first,
    /// otherwise in pool order. With <paramref name="anchors"/> (the intermediates case) the anchors are left out and each
    /// certificate comes once. Loops rather than LINQ: this runs for every validation.
    /// </summary>
    private static List<ParsedCertificate> Issuers(IReadOnlyList<ParsedCertificate> pool, ParsedCertificate child,
        List<ParsedCertificate> chain, IReadOnlyList<ParsedCertificate>? anchors)
    {
        var result = new List<ParsedCertificate>();
        var keyMatches = 0;
        foreach (var c in pool)
        {
            if (!c.Subject.Equivalent(child.Issuer, true) || Holds(chain, c) || (anchors is not null && (Holds(anchors, c) || Holds(result, c))))
                continue;
            if (child.AuthorityKeyId is not null && c.SubjectKeyId is not null && child.AuthorityKeyId.AsSpan().SequenceEqual(c.SubjectKeyId))
                result.Insert(keyMatches++, c);
            else
                result.Add(c);
        }
        return result;
    }

    private static bool Holds(IReadOnlyList<ParsedCertificate> list, ParsedCertificate c)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Sha256 == c.Sha256)
                return true;
        }
        return false;
    }

    /// <summary>RFC 5280 §6.1.2–6.1.5 over one candidate path (target first, anchor last).</summary>
    private static PathValidationResult ProcessPath(Context ctx, List<ParsedCertificate> chain)
    {
        var request = ctx.Request;
        var time = ctx.Time;
        var anchor = chain[^1];
        var n = chain.Count - 1;
        PathValidationResult Fail(PathFailure f, string m, ParsedCertificate? c, CrlEntry? e = null) =>
            PathValidationResult.Fail(f, m, c, chain, e);

        PolicyTree? tree;
        int explicitPolicy, inhibitAny, policyMapping, maxPathLength;
        NameConstraintState names;
        PublicKeyHandle workingKey;
        ParsedCertificate workingIssuer;
        var first = 1;

        // The part of the path above the target (anchor and intermediates) is the same for every leaf of a sub-CA:
        // when it validated before for the same inputs and the same minute, resume from its end state.
        var prefixKey = PrefixKey(ctx, chain);
        var consultedBefore = ctx.Consulted.Count;
        var uncacheableBefore = ctx.Uncacheable;
        ctx.Uncacheable = false;
        if (prefixKey is { } lookup && PrefixCache.TryGetValue(lookup, out var prefix))
        {
            ctx.Consulted.AddRange(prefix.Consulted);
            tree = prefix.Tree?.Clone();
            explicitPolicy = prefix.ExplicitPolicy;
            inhibitAny = prefix.InhibitAny;
            policyMapping = prefix.PolicyMapping;
            maxPathLength = prefix.MaxPathLength;
            names = new NameConstraintState();
            workingKey = prefix.WorkingKey;
            workingIssuer = prefix.WorkingIssuer;
            first = n;
            prefixKey = null;
        }
        else
        {
            // The trust anchor is given as a certificate: it must itself be a usable CA certificate.
            ctx.Consulted.Add(anchor.NotBefore);
            ctx.Consulted.Add(anchor.NotAfter);
            if (time < anchor.NotBefore)
                return Fail(PathFailure.NotYetValid, "the trust anchor is not yet valid", anchor);
            if (time > anchor.NotAfter)
                return Fail(PathFailure.Expired, "the trust anchor has expired", anchor);
            if (anchor.ProfileViolation is not null)
                return Fail(PathFailure.Malformed, "trust anchor: " + anchor.ProfileViolation, anchor);
            if (anchor.Version >= 3 && (!anchor.HasBasicConstraints || !anchor.IsCa || !anchor.BasicConstraintsCritical))
                return Fail(PathFailure.Constraints, "the trust anchor lacks a critical basicConstraints with cA=TRUE", anchor);
            if (!anchor.HasKeyUsage(KeyUsage.KeyCertSign))
                return Fail(PathFailure.Constraints, "the trust anchor's keyUsage lacks keyCertSign", anchor);
            if (UnknownCritical(anchor) is { } anchorExt)
                return Fail(PathFailure.Constraints, $"the trust anchor has an unrecognised critical extension {anchorExt}", anchor);

            tree = new();
            explicitPolicy = request.InitialExplicitPolicy ? 0 : n + 1;
            inhibitAny = request.InitialAnyPolicyInhibit ? 0 : n + 1;
            policyMapping = request.InitialPolicyMappingInhibit ? 0 : n + 1;
            maxPathLength = anchor.PathLenConstraint is { } apl ? Math.Min(n, apl) : n;
            names = new NameConstraintState();
            if (anchor.NameConstraints is not null && names.Add(anchor.NameConstraints) is { } anchorNc)
                return Fail(PathFailure.NameConstraints, "trust anchor: " + anchorNc, anchor);
            workingKey = anchor.Key;
            workingIssuer = anchor;
        }

        for (var i = first; i <= n; i++)
        {
            if (i == n && prefixKey is { } storeKey)
            {
                // The prefix passed: remember its end state unless it depended on something outside the key (a CRL
                // signer found beyond the path, name constraints, an instant inside this minute).
                if (!ctx.Uncacheable && names.IsEmpty && QuietMinute(ctx.Time, ctx.Consulted, consultedBefore))
                {
                    PrefixCache.Add(storeKey, new Prefix(tree?.Clone(), explicitPolicy, inhibitAny, policyMapping, maxPathLength,
                        workingKey, workingIssuer, ctx.Consulted.GetRange(consultedBefore, ctx.Consulted.Count - consultedBefore)));
                }
                prefixKey = null;
            }
            if (i == n)
                ctx.Uncacheable |= uncacheableBefore;
            var cert = chain[n - i];
            var label = i == n ? "the target certificate" : $"intermediate certificate {i}";
            if ((cert.ProfileViolation ?? CertificateLint.MissingAuthorityKeyId(cert)) is { } violation)
                return Fail(PathFailure.Malformed, $"{label}: {violation}", cert);

            // (a)(1) signature
            var (sig, detail) = CheckSignature(cert, workingKey, workingIssuer, request.Algorithms);
            if (sig != SignatureCheck.Valid)
            {
                var failure = sig switch
                {
                    SignatureCheck.Weak => PathFailure.WeakAlgorithm,
                    SignatureCheck.Unsupported => PathFailure.UnsupportedAlgorithm,
                    _ => PathFailure.Signature,
                };
                return Fail(failure, $"the signature of {label} could not be verified: {detail}", cert);
            }
            // (a)(2) validity
            if (i < n || request.CheckTargetValidity)
            {
                ctx.Consulted.Add(cert.NotBefore);
                ctx.Consulted.Add(cert.NotAfter);
                if (time < cert.NotBefore)
                    return Fail(PathFailure.NotYetValid, $"{label} is not valid before {cert.NotBefore:u}", cert);
                if (time > cert.NotAfter)
                    return Fail(PathFailure.Expired, $"{label} expired at {cert.NotAfter:u}", cert);
            }
            // (a)(3) revocation
            if (request.Revocation != RevocationMode.Off)
            {
                var rev = CheckRevocation(ctx, cert, workingIssuer, workingKey, anchor, chain);
                if (rev.Entry is not null)
                    return Fail(PathFailure.Revoked,
                        $"CRL indicates {label} was revoked at {rev.Entry.RevocationDate:u} (reason {rev.Entry.Reason})", cert, rev.Entry);
                if (!rev.Good && request.Revocation == RevocationMode.Required)
                    return Fail(rev.Stale ? PathFailure.StaleRevocationInfo : PathFailure.NoRevocationInfo,
                        $"no usable revocation information for {label}" + (rev.Detail is null ? "" : ": " + rev.Detail), cert);
            }
            // (a)(4) name chaining
            if (!cert.Issuer.Equivalent(workingIssuer.Subject, true))
                return Fail(PathFailure.NoChain, $"the issuer of {label} does not match the subject of its issuer", cert);
            // (b)(c) name constraints (not for self-issued intermediates)
            if (!(cert.IsSelfIssued && i < n) && names.Check(cert) is { } ncViolation)
                return Fail(PathFailure.NameConstraints, $"{label} violates name constraints: {ncViolation}", cert);
            // (d)(e)(f) certificate policies
            if (cert.Policies is not null && tree is not null)
            {
                tree.ProcessCertificatePolicies(cert.Policies, i, inhibitAny > 0 || (i < n && cert.IsSelfIssued));
                if (tree.IsEmpty)
                    tree = null;
            }
            else if (cert.Policies is null)
            {
                tree = null;
            }
            if (explicitPolicy <= 0 && tree is null)
                return Fail(PathFailure.Policy, $"no acceptable certificate policy at {label} (explicit policy required)", cert);

            if (i == n)
                break;

            // §6.1.4 preparation for certificate i+1
            if (cert.PolicyMappings is not null)
            {
                var map = new Dictionary<string, HashSet<string>>();
                foreach (var item in cert.PolicyMappings)
                {
                    var pair = Asn1Sequence.GetInstance(item);
                    var issuerPolicy = DerObjectIdentifier.GetInstance(pair[0]).Id;
                    var subjectPolicy = DerObjectIdentifier.GetInstance(pair[1]).Id;
                    if (issuerPolicy == PolicyTree.AnyPolicy || subjectPolicy == PolicyTree.AnyPolicy)
                        return Fail(PathFailure.Policy, $"{label} maps anyPolicy (RFC 5280 §6.1.4 (a))", cert);
                    if (!map.TryGetValue(issuerPolicy, out var set))
                        map[issuerPolicy] = set = [];
                    set.Add(subjectPolicy);
                }
                if (tree is not null)
                {
                    tree.ApplyMappings(map, i, policyMapping > 0);
                    if (tree.IsEmpty)
                        tree = null;
                }
            }
            workingIssuer = cert;
            workingKey = cert.Key.WithInheritedDsaParameters(workingKey);
            if (cert.NameConstraints is not null && names.Add(cert.NameConstraints) is { } ncError)
                return Fail(PathFailure.NameConstraints, $"{label}: {ncError}", cert);
            if (!cert.IsSelfIssued)
            {
                if (explicitPolicy > 0) explicitPolicy--;
                if (policyMapping > 0) policyMapping--;
                if (inhibitAny > 0) inhibitAny--;
            }
            if (cert.PolicyConstraints is { } pc)
            {
                if (pc.RequireExplicitPolicy is { } r) explicitPolicy = Math.Min(explicitPolicy, r);
                if (pc.InhibitPolicyMapping is { } q) policyMapping = Math.Min(policyMapping, q);
            }
            if (cert.InhibitAnyPolicySkipCerts is { } skip)
                inhibitAny = Math.Min(inhibitAny, skip);
            if (!cert.HasBasicConstraints || !cert.IsCa)
                return Fail(PathFailure.Constraints, $"{label} is not a CA (basicConstraints cA is not TRUE)", cert);
            if (!cert.IsSelfIssued)
            {
                if (maxPathLength <= 0)
                    return Fail(PathFailure.Constraints, "the path exceeds the maximum path length", cert);
                maxPathLength--;
            }
            if (cert.PathLenConstraint is { } pl)
                maxPathLength = Math.Min(maxPathLength, pl);
            if (!cert.HasKeyUsage(KeyUsage.KeyCertSign))
                return Fail(PathFailure.Constraints, $"{label} is not allowed to sign certificates (keyUsage lacks keyCertSign)", cert);
            if (UnknownCritical(cert) is { } ext)
                return Fail(PathFailure.Constraints, $"{label} has an unrecognised critical extension {ext}", cert);
        }

        // §6.1.5 wrap-up
        var leaf = chain[0];
        if (explicitPolicy > 0) explicitPolicy--;
        if (leaf.PolicyConstraints is { RequireExplicitPolicy: 0 })
            explicitPolicy = 0;
        if (UnknownCritical(leaf) is { } leafExt)
            return Fail(PathFailure.Constraints, $"the target certificate has an unrecognised critical extension {leafExt}", leaf);
        if (tree is not null)
        {
            tree.Intersect(request.InitialPolicySet, n);
            if (tree.IsEmpty)
                tree = null;
        }
        else if (request.InitialPolicySet is not null && request.InitialPolicySet.Count > 0 && explicitPolicy > 0)
        {
            // Tree NULL but explicit policy not required: valid, with no policies.
        }
        if (explicitPolicy <= 0 && tree is null)
            return Fail(PathFailure.Policy, "the path is not valid for any acceptable certificate policy", leaf);

        return new PathValidationResult
        {
            Failure = PathFailure.None,
            Path = chain,
            ValidPolicies = tree?.AuthorityConstrainedPolicies(n) ?? [],
        };
    }

    private static string? UnknownCritical(ParsedCertificate cert) =>
        cert.Extensions.FirstOrDefault(e => e.Critical && !Processed.Contains(e.Oid)).Oid;

    private static (SignatureCheck, string) CheckSignature(ParsedCertificate cert, PublicKeyHandle key,
        ParsedCertificate issuer, AlgorithmPolicy policy)
    {
        var inherited = !ReferenceEquals(key, issuer.Key);
        var cacheKey = ("cert", cert.Sha256, issuer.Sha256, inherited, policy.Describe());
        if (SignatureCache.TryGetValue(cacheKey, out var hit))
            return hit;
        var result = SignatureVerifier.Verify(cert.SignatureAlgorithm, cert.TbsDer, cert.SignatureValue, key, policy, out var detail);
        SignatureCache.Add(cacheKey, (result, detail));
        return (result, detail);
    }

    private static (SignatureCheck, string) CheckCrlSignature(ParsedCrl crl, PublicKeyHandle key, string signerId, AlgorithmPolicy policy)
    {
        var cacheKey = ("crl", crl.Sha256, signerId, false, policy.Describe());
        if (SignatureCache.TryGetValue(cacheKey, out var hit))
            return hit;
        var result = SignatureVerifier.Verify(crl.SignatureAlgorithm, crl.TbsDer, crl.SignatureValue, key, policy, out var detail);
        SignatureCache.Add(cacheKey, (result, detail));
        return (result, detail);
    }

    private sealed record RevocationOutcome(bool Good, bool Stale, CrlEntry? Entry, string? Detail);

    /// <summary>RFC 5280 §6.3.3: CRL processing for one certificate, with reason masks, IDP scope and delta CRLs.</summary>
    private static RevocationOutcome CheckRevocation(Context ctx, ParsedCertificate cert, ParsedCertificate issuer,
        PublicKeyHandle issuerKey, ParsedCertificate anchor, List<ParsedCertificate> chain)
    {
        var time = ctx.Time;
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
                        || CheckCrlSignature(d, signerKey, signerId!, ctx.Request.Algorithms).Item1 != SignatureCheck.Valid)
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
                        if (entry.RevocationDate <= time)
                            return new RevocationOutcome(false, false, entry, null);
                    }
                }
                reasonsMask |= interim;
            }
        }
        if (reasonsMask == AllReasons)
            return new RevocationOutcome(true, false, null, null);
        return new RevocationOutcome(false, stale && reasonsMask == 0, null,
            detail ?? "no CRL from the certificate's issuer or distribution point");
    }

    /// <summary>Finds the key that signed a CRL and validates the CRL issuer's own path (§6.3.3 (f)).</summary>
    private static PublicKeyHandle? FindCrlSigner(Context ctx, ParsedCrl crl, ParsedCertificate subject, ParsedCertificate issuer, PublicKeyHandle issuerKey,
        ParsedCertificate anchor, List<ParsedCertificate> chain, out string? signerId, out string? problem)
    {
        var policy = ctx.Request.Algorithms;
        problem = null;
        signerId = null;
        if (crl.Issuer.Equivalent(issuer.Subject, true))
        {
            var (r, d) = CheckCrlSignature(crl, issuerKey, issuer.Sha256, policy);
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
            var (r, _) = CheckCrlSignature(crl, candidate.Key, candidate.Sha256, policy);
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
            var sub = new Context(ctx.Request with
            {
                Target = candidate,
                InitialPolicySet = null,
                InitialExplicitPolicy = false,
                InitialPolicyMappingInhibit = false,
                InitialAnyPolicyInhibit = false,
                CheckTargetValidity = true,
            }, ctx.Time, ctx.Depth + 1, anchor);
            var result = ValidateCore(sub, candidate);
            ctx.Consulted.AddRange(sub.Consulted);
            if (result.IsValid)
            {
                signerId = candidate.Sha256;
                return candidate.Key;
            }
            problem = "the CRL issuer's certificate is not valid: " + result.Message;
        }
        problem ??= "no certificate of the CRL issuer verifies the CRL signature";
        return null;
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
