namespace Signing.Verification;

/// <summary>
/// Certification path building: candidate paths from the target to a trust anchor, depth-first by name chaining
/// (key-identifier matches first), no certificate twice, within a budget of expansions and complete paths.
/// </summary>
internal static class PathBuilder
{
    private const int MaxIntermediates = 10;
    public const int MaxExpansions = 2_000;
    public const int MaxCompletePaths = 32;

    internal sealed class Budget
    {
        public int Expansions;
        public int CompletePaths;
    }

    /// <summary>Depth-first path building by name chaining, key-identifier matches first; no certificate twice.</summary>
    public static IEnumerable<List<ParsedCertificate>> BuildPaths(PathValidationContext ctx, ParsedCertificate target, Budget budget)
    {
        var chain = new List<ParsedCertificate> { target };
        return Extend(ctx, chain, budget);
    }

    private static IEnumerable<List<ParsedCertificate>> Extend(PathValidationContext ctx, List<ParsedCertificate> chain, Budget budget)
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
}
