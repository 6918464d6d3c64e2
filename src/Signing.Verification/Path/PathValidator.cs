namespace Signing.Verification;

/// <summary>
/// RFC 5280 certification path building and validation (§6.1) with CRL checking (§6.3). Written out rather
/// than delegated to BouncyCastle's PkixCertPathValidator so that every failure has a precise reason and
/// the result can be cached; BouncyCastle supplies the ASN.1 parsers and the name-constraint arithmetic.
/// The steps are blocks of their own: <see cref="PathBuilder"/> (candidate paths), <see cref="PathProcessor"/>
/// (§6.1 over one candidate), <see cref="RevocationStatus"/> (§6.3), and the caches (Caches/).
/// Thread-safe: all state is per call, caches are concurrent.
/// </summary>
public static class PathValidator
{
    /// <summary>Validates a certificate path. Never throws for bad certificates or CRLs.</summary>
    public static PathValidationResult Validate(PathValidationRequest request)
    {
        var time = TruncateToSeconds(request.Time.UtcDateTime);
        // The source's CRLs as they are now, read once: every step of this validation sees the same set.
        if (request.RevocationSource is { } source)
            request = request with { Crls = source.Crls };
        var cacheKey = PathResultCache.Key(request, time);
        if (cacheKey is { } lookup && PathResultCache.TryGet(lookup, out var hit))
            return hit;
        var ctx = new PathValidationContext(request, time, 0, null);
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
            PathResultCache.AddIfQuiet(key, result, time, ctx.Consulted);
        return result;
    }

    private static DateTime TruncateToSeconds(DateTime t) =>
        new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    /// <summary>The first candidate path that validates, else the most telling failure (also for CRL issuers' paths).</summary>
    internal static PathValidationResult ValidateCore(PathValidationContext ctx, ParsedCertificate target)
    {
        PathValidationResult? best = null;
        var budget = new PathBuilder.Budget();
        foreach (var path in PathBuilder.BuildPaths(ctx, target, budget))
        {
            var wasUncacheable = ctx.Uncacheable;
            var result = PathProcessor.Process(ctx, path);
            ctx.Uncacheable |= wasUncacheable;
            if (result.IsValid)
                return result;
            // A wrong-key candidate (same name, other key) is a mis-built path, not the real failure.
            if (best is null || (best.Failure == PathFailure.Signature && result.Failure != PathFailure.Signature))
                best = result;
            if (++budget.CompletePaths >= PathBuilder.MaxCompletePaths)
                break;
        }
        if (best is not null)
            return best;
        if (target.ProfileViolation is not null)
            return PathValidationResult.Fail(PathFailure.Malformed, "target certificate: " + target.ProfileViolation, target, [target]);
        return PathValidationResult.Fail(PathFailure.NoChain,
            budget.Expansions >= PathBuilder.MaxExpansions
                ? "no certification path to a trust anchor within the path-building budget"
                : "no certification path to a configured trust anchor", target, [target]);
    }
}
