using System.Threading.Channels;
using Npgsql;
using Signing.Record;

namespace Signing.Audit;

/// <summary>The row readers of <see cref="DatabaseSource"/>: the events in seq_id ranges and the leaves in index order, each by binary COPY.</summary>
public sealed partial class DatabaseSource
{
    /// <summary>
    /// The events in seq_id order, read as ranges of about <see cref="RangeRows"/> rows by two connections in turn: one
    /// PostgreSQL backend printing every jsonb as text is slower than the rest of the audit, two keep up. Each reader is
    /// at most a couple of ranges ahead of the join, so memory stays bounded. A full audit reads every event's JSON (its
    /// evidence checks parse it, the walk hashes it against the leaf). <paramref name="treeOnly"/>: no JSON is read; a v2
    /// leaf binds its event's JSON by the digest the log keeps beside it, and the events of v1 leaves (a store logged
    /// before v2) are hashed by the database where they lie, 32 bytes sent instead of their JSON.
    /// </summary>
    private void EventsInRanges(ChannelWriter<StoredEvent[]> writer, bool treeOnly, CancellationToken ct)
    {
        var starts = RangeStarts();
        var lastV1 = treeOnly ? LastV1Seq() : -1;
        var readers = new[] { Channel.CreateBounded<StoredEvent[]>(2), Channel.CreateBounded<StoredEvent[]>(2) };
        var tasks = readers.Select((channel, r) => Stage(channel.Writer, () =>
        {
            using var conn = new NpgsqlConnection(connection);
            conn.Open();
            for (var i = r; i < starts.Count; i += readers.Length)
            {
                var range = (i > 0 ? $"seq_id >= {starts[i]}" : "true") + (i + 1 < starts.Count ? $" and seq_id < {starts[i + 1]}" : "");
                var rows = new List<StoredEvent>(RangeRows);
                var last = treeOnly ? (lastV1 < 0 ? "null::bytea" : $"case when seq_id <= {lastV1} then {LeafInput.HashSqlV1("e")} end") : "data::text";
                // The timestamp travels as timestamptz and is turned into microseconds here: extract() computes in numeric,
                // which costs the backend more than reading the row.
                Export(conn, $"copy (select seq_id, tenant_id, stream_id, version, type, timestamp, {last} " +
                    $"from {schema}.mt_events e where {range} order by seq_id) to stdout (format binary)",
                    x => rows.Add(new StoredEvent(x.Read<long>(), x.Read<string>(), x.Read<Guid>(), x.Read<long>(), x.Read<string>(),
                        LeafInput.Micros(x.Read<DateTimeOffset>(NpgsqlTypes.NpgsqlDbType.TimestampTz)),
                        treeOnly ? "" : x.Read<string>()) { LeafHash = treeOnly ? NullableBytes(x) : null }));
                Put(channel.Writer, rows.ToArray(), ct);
            }
        })).ToArray();
        try
        {
            for (var i = 0; i < starts.Count; i++)
            {
                var from = readers[i % readers.Length].Reader;
                if (!from.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult() || !from.TryRead(out var rows))
                    break; // that reader failed: its exception is rethrown below
                for (var at = 0; at < rows.Length; at += Batch)
                    Put(writer, rows.AsSpan(at, Math.Min(Batch, rows.Length - at)).ToArray(), ct);
            }
        }
        finally
        {
            foreach (var reader in readers)
                while (reader.Reader.TryRead(out _)) { }
        }
        foreach (var reader in readers)
            reader.Reader.Completion.GetAwaiter().GetResult();
        Task.WaitAll(tasks, CancellationToken.None);
    }

    private const int RangeRows = 16_384;

    /// <summary>The largest seq_id a v1 leaf names (its partial index answers at once), or -1 when the log has none.</summary>
    private long LastV1Seq()
    {
        using var conn = new NpgsqlConnection(connection);
        conn.Open();
        using var cmd = new NpgsqlCommand($"select coalesce(max(seq_id), -1) from {schema}.log_leaves where json_sha256 is null", conn);
        return (long)cmd.ExecuteScalar()!;
    }

    private static byte[]? NullableBytes(NpgsqlBinaryExporter x)
    {
        if (!x.IsNull)
            return x.Read<byte[]>();
        x.Skip();
        return null;
    }

    /// <summary>
    /// The first seq_id of every range; the first range is read without a lower bound, the last without an upper one.
    /// seq_ids come from one sequence, so ranges of <see cref="RangeRows"/> ids between the smallest and the largest hold
    /// about as many rows (fewer where transactions rolled back); the two ends are read from the index at once.
    /// </summary>
    private List<long> RangeStarts()
    {
        using var conn = new NpgsqlConnection(connection);
        conn.Open();
        using var cmd = new NpgsqlCommand($"select min(seq_id), max(seq_id) from {schema}.mt_events", conn);
        using var r = cmd.ExecuteReader();
        r.Read();
        var starts = new List<long> { 0 };
        if (r.IsDBNull(0))
            return starts;
        var (first, last) = (r.GetInt64(0), r.GetInt64(1));
        for (var start = first + RangeRows; start <= last; start += RangeRows)
            starts.Add(start);
        return starts;
    }

    private static void Export(NpgsqlConnection conn, string sql, Action<NpgsqlBinaryExporter> row)
    {
        using var export = conn.BeginBinaryExport(sql);
        while (export.StartRow() != -1)
            row(export);
    }

    /// <summary>
    /// The leaves in index order, read in the table's own order (a plain sequential scan: the index walk an ORDER BY takes
    /// costs the backend half as much again). Leaves are inserted in index order, so a row out of place is rare (a leaf of
    /// a rolled-back transaction leaves room that a later one may fill): it waits here until the leaves before it came.
    /// What never comes (a gap, which the walk names) is let through in order at the end.
    /// </summary>
    private void LeavesInIndexOrder(ChannelWriter<LogLeaf[]> writer, CancellationToken ct)
    {
        using var conn = new NpgsqlConnection(connection);
        conn.Open();
        using var export = conn.BeginBinaryExport(
            $"copy (select leaf_index, seq_id, tenant_id, stream_id, version, event_type, leaf_hash, json_sha256 from {schema}.log_leaves) to stdout (format binary)");
        var batch = new List<LogLeaf>(Batch);
        var waiting = new Dictionary<long, LogLeaf>();
        long next = 0;
        void Emit(LogLeaf leaf)
        {
            batch.Add(leaf);
            next = leaf.Index + 1;
            if (batch.Count == Batch)
            {
                Put(writer, batch.ToArray(), ct);
                batch.Clear();
            }
        }
        while (export.StartRow() != -1)
        {
            var leaf = new LogLeaf(export.Read<long>(), export.Read<long>(), export.Read<string>(), export.Read<Guid>(), export.Read<long>(),
                export.Read<string>(), export.Read<byte[]>(), NullableBytes(export));
            if (leaf.Index != next)
            {
                waiting.Add(leaf.Index, leaf);
                continue;
            }
            Emit(leaf);
            while (waiting.Remove(next, out var after))
                Emit(after);
        }
        foreach (var leaf in waiting.Values.OrderBy(l => l.Index))
            Emit(leaf);
        if (batch.Count > 0)
            Put(writer, batch.ToArray(), ct);
    }
}
