using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Signing.Record;

/// <summary>
/// The bytes a log leaf hashes for one stored event: UTF-8 of the lines below joined by LF, nothing after the last.
/// The database trigger builds the same bytes in SQL from the mt_events row, so both sides must change together.
/// <code>
/// signing/leaf/v2
/// tenant id
/// stream id (lowercase 8-4-4-4-12)
/// version (decimal)
/// event type as stored (e.g. renewal_submitted)
/// timestamp (decimal microseconds since 1970-01-01 UTC)
/// SHA-256 of the event's JSON as PostgreSQL prints the stored jsonb, UTF-8, in 64 lowercase hex digits
/// </code>
/// The log stores that digest beside the leaf, so the log can be checked leaf by leaf without PostgreSQL printing every
/// event's jsonb again (6 µs for a 1.8 KB event, more than everything else a leaf costs); a full audit recomputes the
/// digest from the JSON it reads anyway. Leaves written before v2 (their row has no digest) are v1: the same first six
/// lines after "signing/leaf/v1", then the JSON itself.
/// </summary>
public static class LeafInput
{
    public const string Version1 = "signing/leaf/v1", Version2 = "signing/leaf/v2";
    private const int DigestHex = 2 * MerkleHash.Size;
    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>The v2 leaf input: the event's fields and the SHA-256 of its JSON (<see cref="JsonSha256"/>).</summary>
    public static byte[] For(string tenant, Guid streamId, long version, string eventType, long timestampMicros, ReadOnlySpan<byte> jsonSha256)
    {
        byte[] buffer = [];
        var length = Write(tenant, streamId, version, eventType, timestampMicros, jsonSha256, ref buffer);
        return buffer.Length == length ? buffer : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>The v1 leaf input, which holds the JSON itself (leaves logged before v2).</summary>
    public static byte[] ForV1(string tenant, Guid streamId, long version, string eventType, long timestampMicros, string json)
    {
        byte[] buffer = [];
        var length = WriteV1(tenant, streamId, version, eventType, timestampMicros, json, ref buffer);
        return buffer.Length == length ? buffer : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>SHA-256 of the JSON's UTF-8: the last line of a v2 leaf input (hex) and what the log stores beside the leaf.</summary>
    public static byte[] JsonSha256(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SHA256.HashData(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>
    /// Writes the v2 leaf input into <paramref name="buffer"/> (grown when too small) and returns its length: a caller that
    /// hashes millions of leaves reuses one buffer instead of building a string and its encoding per leaf.
    /// </summary>
    public static int Write(string tenant, Guid streamId, long version, string eventType, long timestampMicros, ReadOnlySpan<byte> jsonSha256, ref byte[] buffer)
    {
        if (jsonSha256.Length != MerkleHash.Size)
            throw new ArgumentException($"a SHA-256 digest is {MerkleHash.Size} bytes, not {jsonSha256.Length}", nameof(jsonSha256));
        var at = Head(Version2, tenant, streamId, version, eventType, timestampMicros, DigestHex, ref buffer);
        var hex = buffer.AsSpan(at, DigestHex);
        for (var i = 0; i < jsonSha256.Length; i++)
        {
            hex[2 * i] = HexDigits[jsonSha256[i] >> 4];
            hex[2 * i + 1] = HexDigits[jsonSha256[i] & 0xF];
        }
        return at + DigestHex;
    }

    /// <summary>As <see cref="Write"/>, for a v1 leaf (the JSON itself as the last line).</summary>
    public static int WriteV1(string tenant, Guid streamId, long version, string eventType, long timestampMicros, string json, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(json);
        var at = Head(Version1, tenant, streamId, version, eventType, timestampMicros, 3 * json.Length, ref buffer);
        return at + Encoding.UTF8.GetBytes(json, buffer.AsSpan(at));
    }

    /// <summary>The first six lines, each ended by LF; <paramref name="tail"/> is room left for the last line.</summary>
    private static int Head(string marker, string tenant, Guid streamId, long version, string eventType, long timestampMicros, int tail, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(eventType);
        // Guid "D" is 36 ASCII characters, a long at most 20: UTF-8 is at most 3 bytes per UTF-16 unit.
        var max = marker.Length + 6 + 36 + 20 + 20 + 3 * (tenant.Length + eventType.Length) + tail;
        if (buffer.Length < max)
            buffer = new byte[max];
        var span = buffer.AsSpan();
        var at = Encoding.UTF8.GetBytes(marker, span);
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
        return at;
    }

    /// <summary>
    /// SHA-256 of the event's JSON as PostgreSQL prints the stored jsonb, as a PostgreSQL expression over a
    /// <c>signing.mt_events</c> row named <paramref name="row"/>: the log's trigger stores it beside each new leaf.
    /// </summary>
    public static string JsonSha256Sql(string row) => $"sha256(convert_to({row}.data::text, 'UTF8'))";

    /// <summary>
    /// The v2 leaf hash as a PostgreSQL expression over a <c>signing.mt_events</c> row named <paramref name="row"/> and a
    /// bytea expression <paramref name="jsonSha256"/> (its JSON's digest): the log's trigger hashes each new event with it.
    /// Built with || (not concat_ws) so that a NULL column makes a NULL hash, never a leaf with a line missing. Run it
    /// with search_path pinned to pg_catalog (as the trigger and the audit do), so that no function in another schema can
    /// stand in for the ones it calls. Its layout, line breaks included, is part of the trigger's stored source, which a
    /// migration compares: a change of layout alone replaces the function in every database.
    /// </summary>
    public static string HashSql(string row, string jsonSha256) =>
        "sha256('\\x00'::bytea || convert_to(\n" +
        $"            'signing/leaf/v2' || E'\\n' || {row}.tenant_id || E'\\n' || {row}.stream_id::text || E'\\n' || {row}.version::text || E'\\n'\n" +
        $"            || {row}.type || E'\\n' || ((extract(epoch from {row}.timestamp) * 1000000)::bigint)::text || E'\\n' || encode({jsonSha256}, 'hex'),\n" +
        "            'UTF8'))";

    /// <summary>
    /// The v1 leaf hash in SQL (see <see cref="HashSql"/>): an audit of the tree alone has the database hash the events of
    /// v1 leaves with it where they lie, instead of reading each one's JSON.
    /// </summary>
    public static string HashSqlV1(string row) =>
        "sha256('\\x00'::bytea || convert_to(\n" +
        $"            'signing/leaf/v1' || E'\\n' || {row}.tenant_id || E'\\n' || {row}.stream_id::text || E'\\n' || {row}.version::text || E'\\n'\n" +
        $"            || {row}.type || E'\\n' || ((extract(epoch from {row}.timestamp) * 1000000)::bigint)::text || E'\\n' || {row}.data::text,\n" +
        "            'UTF8'))";

    /// <summary>Microseconds since the Unix epoch, as the trigger computes them from mt_events.timestamp.</summary>
    public static long Micros(DateTimeOffset timestamp) => (timestamp.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
