namespace Signing.Verification;

/// <summary>
/// The time bucket of the path caches. A validation's result depends on the time only through the instants compared
/// with it (validity bounds, CRL updates, revocation dates): it holds for the whole minute when none of them falls inside
/// it, and only then is it cached.
/// </summary>
internal static class ValidationMinute
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(1);

    /// <summary>The ticks of the minute's start (the cache keys' bucket).</summary>
    public static long Start(DateTime time) => time.Ticks - time.Ticks % Length.Ticks;

    /// <summary>
    /// Whether revocation data judged at <paramref name="dataTime"/> (a path judged at a signature timestamp's time) lies
    /// in the same minute as <paramref name="time"/>: a quiet minute then answers for both, so the result may be cached.
    /// </summary>
    public static bool SameMinute(DateTime time, DateTimeOffset? dataTime) =>
        dataTime is not { } d || Start(d.UtcDateTime) == Start(time);

    /// <summary>Whether none of the instants consulted since <paramref name="from"/> lies in (or next to) the time's minute.</summary>
    public static bool IsQuiet(DateTime time, List<DateTime> consulted, int from)
    {
        var start = new DateTime(Start(time), DateTimeKind.Utc);
        var low = start.AddSeconds(-1);
        var high = start + Length + TimeSpan.FromSeconds(1);
        for (var i = from; i < consulted.Count; i++)
        {
            if (consulted[i] > low && consulted[i] < high)
                return false;
        }
        return true;
    }
}
