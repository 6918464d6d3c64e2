using System.Globalization;
using System.Text;

namespace Signing.Record;

/// <summary>
/// The bytes a log leaf hashes for one stored event: UTF-8 of the lines below joined by LF, nothing after the JSON.
/// The database trigger builds the same bytes in SQL from the mt_events row, so both sides must change together.
/// <code>
/// signing/leaf/v1
/// tenant id
/// stream id (lowercase 8-4-4-4-12)
/// version (decimal)
/// event type as stored (e.g. renewal_submitted)
/// timestamp (decimal microseconds since 1970-01-01 UTC)
/// the event's JSON as PostgreSQL prints the stored jsonb
/// </code>
/// </summary>
public static class LeafInput
{
    public const string Version1 = "signing/leaf/v1";

    public static byte[] For(string tenant, Guid streamId, long version, string eventType, long timestampMicros, string json)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(json);
        var text = string.Join('\n', Version1, tenant, streamId.ToString("D"), version.ToString(CultureInfo.InvariantCulture),
            eventType, timestampMicros.ToString(CultureInfo.InvariantCulture), json);
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>Microseconds since the Unix epoch, as the trigger computes them from mt_events.timestamp.</summary>
    public static long Micros(DateTimeOffset timestamp) => (timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
