namespace Signing.Verification;

/// <summary>
/// Whole path-validation results, per (cache scope — the contents of anchors, intermediates and CRLs —, target, minute,
/// request settings). A result enters only when its minute is quiet (<see cref="ValidationMinute"/>).
/// </summary>
internal static class PathResultCache
{
    private static readonly BoundedCache<ResultKey, PathValidationResult> Results = new(CacheBounds.SignerWorkingSet);

    internal readonly record struct ResultKey(string Scope, string Target, long Bucket, string PolicySet, bool ExplicitPolicy,
        bool PolicyMappingInhibit, bool AnyPolicyInhibit, RevocationMode Revocation, long GraceTicks, string Algorithms, bool CheckTargetValidity, string RevocationPolicy,
        IRevocationSource? Source, long Generation);

    /// <summary>The key of a request at <paramref name="time"/>; null when the request asks for no caching.</summary>
    public static ResultKey? Key(PathValidationRequest request, DateTime time) =>
        // Revocation judged in another minute than the path (an older signature timestamp's time) is not cached.
        request.CacheScope is null || !ValidationMinute.SameMinute(time, request.RevocationDataTime)
            ? null
            : new ResultKey(request.CacheScope, request.Target.Sha256, ValidationMinute.Start(time),
                request.InitialPolicySet is null ? "any" : string.Join(',', request.InitialPolicySet.Order()),
                request.InitialExplicitPolicy, request.InitialPolicyMappingInhibit, request.InitialAnyPolicyInhibit,
                request.Revocation, request.CrlGrace.Ticks, request.Algorithms.Describe(), request.CheckTargetValidity,
                request.RevocationPolicy.Describe(), request.RevocationSource, request.RevocationSource?.Generation ?? 0);

    public static bool TryGet(ResultKey key, out PathValidationResult result) => Results.TryGetValue(key, out result);

    /// <summary>Remembers the result when nothing it consulted lies inside its minute.</summary>
    public static void AddIfQuiet(ResultKey key, PathValidationResult result, DateTime time, List<DateTime> consulted)
    {
        if (ValidationMinute.IsQuiet(time, consulted, 0))
            Results.Add(key, result);
    }
}
