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
        byte[] buffer = [];
        var length = Write(tenant, streamId, version, eventType, timestampMicros, json, ref buffer);
        return buffer.Length == length ? buffer : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>
    /// Writes the leaf input into <paramref name="buffer"/> (grown when too small) and returns its length: a caller that
    /// hashes millions of leaves reuses one buffer instead of building a string and its encoding per leaf.
    /// </summary>
    public static int Write(string tenant, Guid streamId, long version, string eventType, long timestampMicros, string json, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(eventType);
        ArgumentNullException.ThrowIfNull(json);
        // Guid "D" is 36 ASCII characters, a long at most 20: UTF-8 is at most 3 bytes per UTF-16 unit.
        var max = Version1.Length + 6 + 36 + 20 + 20 + 3 * (tenant.Length + eventType.Length + json.Length);
        if (buffer.Length < max)
            buffer = new byte[max];
        var span = buffer.AsSpan();
        var at = Encoding.UTF8.GetBytes(Version1, span);
        span[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(tenant, span[at..]);
        span[at++] = (byte)'\n';
        streamId.TryFormat(span[at..], out var written, "D");
        at += written;
        span[at++] = (byte)'\n';
        version.TryFormat(span[at..], out written, default, CultureInfo.InvariantCulture);
        at += written;
        span[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(eventType, span[at..]);
        span[at++] = (byte)'\n';
        timestampMicros.TryFormat(span[at..], out written, default, CultureInfo.InvariantCulture);
        at += written;
        span[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(json, span[at..]);
        return at;
    }

    /// <summary>
    /// The leaf hash of the same bytes as a PostgreSQL expression over a <c>signing.mt_events</c> row named
    /// <paramref name="row"/>: the log's trigger hashes each new event with it, and an audit of a database can have the
    /// server hash every stored event with it instead of reading each event's JSON. Built with || (not concat_ws) so that
    /// a NULL column makes a NULL hash, never a leaf with a line missing. Run it with search_path pinned to pg_catalog (as
    /// the trigger and the audit do), so that no function in another schema can stand in for the ones it calls. Its
    /// layout, line breaks included, is part of the trigger's stored source, which a migration compares: a change of
    /// layout alone replaces the function in every database.
    /// </summary>
    public static string HashSql(string row) =>
        "sha256('\\x00'::bytea || convert_to(\n" +
        $"            'signing/leaf/v1' || E'\\n' || {row}.tenant_id || E'\\n' || {row}.stream_id::text || E'\\n' || {row}.version::text || E'\\n'\n" +
        $"            || {row}.type || E'\\n' || ((extract(epoch from {row}.timestamp) * 1000000)::bigint)::text || E'\\n' || {row}.data::text,\n" +
        "            'UTF8'))";

    /// <summary>Microseconds since the Unix epoch, as the trigger computes them from mt_events.timestamp.</summary>
    public static long Micros(DateTimeOffset timestamp) => (timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
