using System.Diagnostics;

namespace Signing.TestKit;

/// <summary>
/// Counts the commands Npgsql sends for one piece of work: Npgsql traces every command (or batch: one round trip either
/// way) as an activity of its "Npgsql" source, a child of the activity current when it runs. Only the children of this
/// count's own activity are counted, so other work of the process (another test, a background service) is not.
/// </summary>
public static class RoundTrips
{
    public static async Task<(int Trips, T Result)> CountAsync<T>(Func<Task<T>> work)
    {
        using var root = new Activity("round-trip-count").Start();
        var trace = root.TraceId;
        var trips = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceId == trace ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStarted = activity =>
            {
                if (activity.TraceId == trace)
                    Interlocked.Increment(ref trips);
            },
        };
        ActivitySource.AddActivityListener(listener);
        var result = await work();
        return (trips, result);
    }
}
