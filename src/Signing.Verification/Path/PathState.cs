using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// The RFC 5280 §6.1 state variables while a path is processed: the valid_policy_tree, the explicit_policy /
/// inhibit_anyPolicy / policy_mapping counters, max_path_length, the name constraints and the working issuer and key.
/// Made from the trust anchor (§6.1.1, <see cref="Start"/>) or resumed from a cached prefix; advanced by §6.1.4
/// (<see cref="PrepareNext"/>) and closed by §6.1.5 (<see cref="WrapUp"/>).
/// </summary>
internal sealed class PathState
{
    public PolicyTree? Tree;
    public int ExplicitPolicy;
    public int InhibitAny;
    public int PolicyMapping;
    public int MaxPathLength;
    public NameConstraintState Names = new();
    public PublicKeyHandle WorkingKey = null!;
    public ParsedCertificate WorkingIssuer = null!;

    public static PathState Resume(PathPrefix prefix) => new()
    {
        Tree = prefix.Tree?.Clone(),
        ExplicitPolicy = prefix.ExplicitPolicy,
        InhibitAny = prefix.InhibitAny,
        PolicyMapping = prefix.PolicyMapping,
        MaxPathLength = prefix.MaxPathLength,
        WorkingKey = prefix.WorkingKey,
        WorkingIssuer = prefix.WorkingIssuer,
    };

    public PathPrefix ToPrefix(List<DateTime> consulted, List<IRevocationEvidence> revocation, List<string> notes) =>
        new(Tree?.Clone(), ExplicitPolicy, InhibitAny, PolicyMapping, MaxPathLength, WorkingKey, WorkingIssuer, consulted, revocation, notes);

    /// <summary>
    /// §6.1.1 from the trust anchor, which is given as a certificate and must itself be a usable CA certificate at the
    /// time. Null and the state, or the failure.
    /// </summary>
    public static PathValidationResult? Start(PathValidationContext ctx, List<ParsedCertificate> chain, out PathState state)
    {
        var request = ctx.Request;
        var time = ctx.Time;
        var anchor = chain[^1];
        var n = chain.Count - 1;
        state = new PathState();
        PathValidationResult Fail(PathFailure f, string m) => PathValidationResult.Fail(f, m, anchor, chain);

        ctx.Consulted.Add(anchor.NotBefore);
        ctx.Consulted.Add(anchor.NotAfter);
        if (time < anchor.NotBefore)
            return Fail(PathFailure.NotYetValid, "the trust anchor is not yet valid");
        if (time > anchor.NotAfter)
            return Fail(PathFailure.Expired, "the trust anchor has expired");
        if (anchor.ProfileViolation is not null)
            return Fail(PathFailure.Malformed, "trust anchor: " + anchor.ProfileViolation);
        if (anchor.Version >= 3 && (!anchor.HasBasicConstraints || !anchor.IsCa || !anchor.BasicConstraintsCritical))
            return Fail(PathFailure.Constraints, "the trust anchor lacks a critical basicConstraints with cA=TRUE");
        if (!anchor.HasKeyUsage(KeyUsage.KeyCertSign))
            return Fail(PathFailure.Constraints, "the trust anchor's keyUsage lacks keyCertSign");
        if (PathProcessor.UnknownCritical(anchor) is { } anchorExt)
            return Fail(PathFailure.Constraints, $"the trust anchor has an unrecognised critical extension {anchorExt}");

        state.Tree = new();
        state.ExplicitPolicy = request.InitialExplicitPolicy ? 0 : n + 1;
        state.InhibitAny = request.InitialAnyPolicyInhibit ? 0 : n + 1;
        state.PolicyMapping = request.InitialPolicyMappingInhibit ? 0 : n + 1;
        state.MaxPathLength = anchor.PathLenConstraint is { } apl ? Math.Min(n, apl) : n;
        if (anchor.NameConstraints is not null && state.Names.Add(anchor.NameConstraints) is { } anchorNc)
            return Fail(PathFailure.NameConstraints, "trust anchor: " + anchorNc);
        state.WorkingKey = anchor.Key;
        state.WorkingIssuer = anchor;
        return null;
    }

    /// <summary>§6.1.3 (d)(e)(f): the certificate's policies against the tree; the failure when explicit policy is required and none is left.</summary>
    public PathValidationResult? ProcessPolicies(ParsedCertificate cert, int i, int n, string label, List<ParsedCertificate> chain)
    {
        if (cert.Policies is not null && Tree is not null)
        {
            Tree.ProcessCertificatePolicies(cert.Policies, i, InhibitAny > 0 || (i < n && cert.IsSelfIssued));
            if (Tree.IsEmpty)
                Tree = null;
        }
        else if (cert.Policies is null)
        {
            Tree = null;
        }
        if (ExplicitPolicy <= 0 && Tree is null)
            return PathValidationResult.Fail(PathFailure.Policy, $"no acceptable certificate policy at {label} (explicit policy required)", cert, chain);
        return null;
    }

    /// <summary>§6.1.4: preparation for certificate i+1 after intermediate <paramref name="cert"/>.</summary>
    public PathValidationResult? PrepareNext(ParsedCertificate cert, int i, string label, List<ParsedCertificate> chain)
    {
        PathValidationResult Fail(PathFailure f, string m) => PathValidationResult.Fail(f, m, cert, chain);
        if (cert.PolicyMappings is not null)
        {
            var map = new Dictionary<string, HashSet<string>>();
            foreach (var item in cert.PolicyMappings)
            {
                var pair = Asn1Sequence.GetInstance(item);
                var issuerPolicy = DerObjectIdentifier.GetInstance(pair[0]).Id;
                var subjectPolicy = DerObjectIdentifier.GetInstance(pair[1]).Id;
                if (issuerPolicy == PolicyTree.AnyPolicy || subjectPolicy == PolicyTree.AnyPolicy)
                    return Fail(PathFailure.Policy, $"{label} maps anyPolicy (RFC 5280 §6.1.4 (a))");
                if (!map.TryGetValue(issuerPolicy, out var set))
                    map[issuerPolicy] = set = [];
                set.Add(subjectPolicy);
            }
            if (Tree is not null)
            {
                Tree.ApplyMappings(map, i, PolicyMapping > 0);
                if (Tree.IsEmpty)
                    Tree = null;
            }
        }
        WorkingIssuer = cert;
        WorkingKey = cert.Key.WithInheritedDsaParameters(WorkingKey);
        if (cert.NameConstraints is not null && Names.Add(cert.NameConstraints) is { } ncError)
            return Fail(PathFailure.NameConstraints, $"{label}: {ncError}");
        if (!cert.IsSelfIssued)
        {
            if (ExplicitPolicy > 0) ExplicitPolicy--;
            if (PolicyMapping > 0) PolicyMapping--;
            if (InhibitAny > 0) InhibitAny--;
        }
        if (cert.PolicyConstraints is { } pc)
        {
            if (pc.RequireExplicitPolicy is { } r) ExplicitPolicy = Math.Min(ExplicitPolicy, r);
            if (pc.InhibitPolicyMapping is { } q) PolicyMapping = Math.Min(PolicyMapping, q);
        }
        if (cert.InhibitAnyPolicySkipCerts is { } skip)
            InhibitAny = Math.Min(InhibitAny, skip);
        if (!cert.HasBasicConstraints || !cert.IsCa)
            return Fail(PathFailure.Constraints, $"{label} is not a CA (basicConstraints cA is not TRUE)");
        if (!cert.IsSelfIssued)
        {
            if (MaxPathLength <= 0)
                return Fail(PathFailure.Constraints, "the path exceeds the maximum path length");
            MaxPathLength--;
        }
        if (cert.PathLenConstraint is { } pl)
            MaxPathLength = Math.Min(MaxPathLength, pl);
        if (!cert.HasKeyUsage(KeyUsage.KeyCertSign))
            return Fail(PathFailure.Constraints, $"{label} is not allowed to sign certificates (keyUsage lacks keyCertSign)");
        if (PathProcessor.UnknownCritical(cert) is { } ext)
            return Fail(PathFailure.Constraints, $"{label} has an unrecognised critical extension {ext}");
        return null;
    }

    /// <summary>§6.1.5 wrap-up after the target: the outcome of the whole path.</summary>
    public PathValidationResult WrapUp(PathValidationRequest request, List<ParsedCertificate> chain)
    {
        var n = chain.Count - 1;
        var leaf = chain[0];
        if (ExplicitPolicy > 0) ExplicitPolicy--;
        if (leaf.PolicyConstraints is { RequireExplicitPolicy: 0 })
            ExplicitPolicy = 0;
        if (PathProcessor.UnknownCritical(leaf) is { } leafExt)
            return PathValidationResult.Fail(PathFailure.Constraints, $"the target certificate has an unrecognised critical extension {leafExt}", leaf, chain);
        if (Tree is not null)
        {
            Tree.Intersect(request.InitialPolicySet, n);
            if (Tree.IsEmpty)
                Tree = null;
        }
        if (ExplicitPolicy <= 0 && Tree is null)
            return PathValidationResult.Fail(PathFailure.Policy, "the path is not valid for any acceptable certificate policy", leaf, chain);
        return new PathValidationResult
        {
            Failure = PathFailure.None,
            Path = chain,
            ValidPolicies = Tree?.AuthorityConstrainedPolicies(n) ?? [],
        };
    }
}
