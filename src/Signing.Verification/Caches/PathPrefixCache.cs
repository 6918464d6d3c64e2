using System.Runtime.CompilerServices;

namespace Signing.Verification;

/// <summary>The validation state after the anchor and the intermediates (RFC 5280 §6.1 variables before the target).</summary>
internal sealed record PathPrefix(PolicyTree? Tree, int ExplicitPolicy, int InhibitAny, int PolicyMapping, int MaxPathLength,
    PublicKeyHandle WorkingKey, ParsedCertificate WorkingIssuer, List<DateTime> Consulted, List<IRevocationEvidence> Revocation,
    List<string> RevocationNotes);

/// <summary>
/// The end state of the part of a path above the target (anchor and intermediates), which is the same for every leaf of
/// a sub-CA: a validation resumes from it when the same CA certificates validated before with the same CRLs, settings
/// and minute.
/// </summary>
internal static class PathPrefixCache
{
    private static readonly BoundedCache<PrefixCacheKey, PathPrefix> Prefixes = new(10_000);
    private static readonly ConditionalWeakTable<IReadOnlyList<ParsedCrl>, CrlSetKey> CrlSetKeys = new();

    internal readonly record struct PrefixCacheKey(string Cas, string Crls, long Bucket, RevocationMode Revocation, long GraceTicks,
        bool ExplicitPolicy, bool PolicyMappingInhibit, bool AnyPolicyInhibit, string Algorithms, string RevocationPolicy,
        IRevocationSource? Source, long Generation);

    /// <summary>The CRL hashes of a list instance, with the members they were computed from (the list may be mutable).</summary>
    private sealed record CrlSetKey(ParsedCrl[] Members, string Key);

    /// <summary>The last sub-CA/root pair's key: every leaf of a sub-CA asks for the same one.</summary>
    private sealed record CaPair(string Sub, string Root, string Key);
    private static CaPair? lastCaPair;

    public static bool TryGet(PrefixCacheKey key, out PathPrefix prefix) => Prefixes.TryGetValue(key, out prefix!);

    public static void Add(PrefixCacheKey key, PathPrefix prefix) => Prefixes.Add(key, prefix);

    /// <summary>
    /// The key of the path above the target: the CA certificates, the CRL set, the time's minute and the request
    /// settings the anchor and intermediates are judged by. Null when not cached (sub-validations of CRL issuers).
    /// The target, the intermediates pool and the anchors pool are not in it: the prefix of a given chain does not
    /// depend on them, except through CRL signers found off the path, which make a prefix uncacheable.
    /// </summary>
    public static PrefixCacheKey? Key(PathValidationContext ctx, List<ParsedCertificate> chain)
    {
        // Revocation judged in another minute than the path (an older signature timestamp's time): not worth a key of its own.
        if (ctx.Depth != 0 || !ValidationMinute.SameMinute(ctx.Time, ctx.Request.RevocationDataTime))
            return null;
        var r = ctx.Request;
        var crls = CrlKey(r.Crls);
        // Strings the certificates already hold where possible (keys are built on every validation).
        var cas = chain.Count == 2 ? chain[1].Sha256
            : chain.Count == 3 ? TwoCaKey(chain[1], chain[2])
            : string.Join('/', chain.Skip(1).Select(c => c.Sha256));
        return new PrefixCacheKey(cas, crls, ValidationMinute.Start(ctx.Time), r.Revocation, r.CrlGrace.Ticks, r.InitialExplicitPolicy,
            r.InitialPolicyMappingInhibit, r.InitialAnyPolicyInhibit, r.Algorithms.Describe(), r.RevocationPolicy.Describe(),
            r.RevocationSource, r.RevocationSource?.Generation ?? 0);
    }

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

    private static string TwoCaKey(ParsedCertificate sub, ParsedCertificate root)
    {
        var last = Volatile.Read(ref lastCaPair);
        if (last is not null && last.Sub == sub.Sha256 && last.Root == root.Sha256)
            return last.Key;
        var pair = new CaPair(sub.Sha256, root.Sha256, string.Concat(sub.Sha256, "/", root.Sha256));
        Volatile.Write(ref lastCaPair, pair);
        return pair.Key;
    }
}
