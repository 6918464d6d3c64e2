using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Npgsql;
using Signing.Domain;
using Signing.Record;

namespace Signing.Audit;

/// <summary>
/// The record in PostgreSQL, read through a read-only session (the audit role needs SELECT only): events (in seq_id
/// ranges on two connections) and leaves (on a third) by binary COPY at once, joined in memory (<see cref="LogJoin"/>),
/// and the evidence the events name fetched in batches on a fourth. Each stage runs on its own and hands batches on, so reading overlaps checking.
/// </summary>
public sealed partial class DatabaseSource(string connectionString, string schema = "signing") : IAuditSource
{
    private const int Batch = 1024;

    private readonly string connection = ReadOnly(connectionString);

    /// <summary>The connection string with every transaction read-only (so not even a mistake here can write).</summary>
    public static string ReadOnly(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // search_path: the leaf hash expression calls built-in functions by name (see LeafInput.HashSql).
        // synchronize_seqscans: the leaves' scan starts at the table's first page, not where another scan happens to be.
        const string option = "-c default_transaction_read_only=on -c search_path=pg_catalog -c synchronize_seqscans=off";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? option : builder.Options + " " + option;
        builder.ApplicationName ??= "esign-audit";
        return builder.ConnectionString;
    }

    private SourceInfo? info;

    /// <summary>The counts are read once: the progress bar and the audit both ask.</summary>
    public async Task<SourceInfo> InfoAsync(CancellationToken ct) => info ??= await CountAsync(ct);

    private async Task<SourceInfo> CountAsync(CancellationToken ct)
    {
        var b = new NpgsqlConnectionStringBuilder(connection);
        var description = $"database {b.Database} on {b.Host}:{b.Port} as {b.Username}";
        return await Guard(async () =>
        {
            await using var conn = await OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(
                $"select (select count(*) from {schema}.mt_events), (select count(*) from {schema}.log_leaves), (select count(*) from {schema}.log_checkpoints)", conn);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            return new SourceInfo(description, r.GetInt64(0), r.GetInt64(1), r.GetInt64(2));
        });
    }

    public async Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(CancellationToken ct) => await Guard(async () =>
    {
        await using var conn = await OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"select tree_size, root_hash, note, signature, signed_at from {schema}.log_checkpoints order by tree_size", conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredCheckpoint>();
        while (await r.ReadAsync(ct))
            list.Add(new StoredCheckpoint(r.GetInt64(0), (byte[])r[1], r.GetString(2), (byte[])r[3], r.GetFieldValue<DateTimeOffset>(4)));
        return (IReadOnlyList<StoredCheckpoint>)list;
    });

    public async IAsyncEnumerable<IReadOnlyList<LogEntry>> EntriesAsync(bool withEvidence, [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var events = Channel.CreateBounded<StoredEvent[]>(16);
        var leaves = Channel.CreateBounded<LogLeaf[]>(16);
        var joined = Channel.CreateBounded<List<LogEntry>>(8);
        var output = withEvidence ? Channel.CreateBounded<List<LogEntry>>(8) : joined;
        var stages = new List<Task>
        {
            Stage(events.Writer, () => EventsInRanges(events.Writer, treeOnly: !withEvidence, stop.Token)),
            Stage(leaves.Writer, () => LeavesInIndexOrder(leaves.Writer, stop.Token)),
            Stage(joined.Writer, () => Join(leaves.Reader, events.Reader, joined.Writer, stop.Token)),
        };
        if (withEvidence)
            stages.Add(Stage(output.Writer, () => AttachEvidence(joined.Reader, output.Writer, stop.Token)));

        try
        {
            while (true)
            {
                List<LogEntry>? batch;
                try
                {
                    if (!await output.Reader.WaitToReadAsync(ct))
                        break;
                    if (!output.Reader.TryRead(out batch))
                        continue;
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or InvalidCastException)
                {
                    throw new AuditSourceException("reading the record failed: " + e.Message, e);
                }
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                await Task.WhenAll(stages);
            }
            catch
            {
                // Already surfaced through the channel, or a consequence of stopping early.
            }
        }
    }

    /// <summary>Runs a stage on a thread of its own; its failure completes its channel with the exception (the reader rethrows it).</summary>
    private static Task Stage<T>(ChannelWriter<T> writer, Action body) => Task.Factory.StartNew(() =>
    {
        try
        {
            body();
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

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

    private static void Join(ChannelReader<LogLeaf[]> leaves, ChannelReader<StoredEvent[]> events, ChannelWriter<List<LogEntry>> writer, CancellationToken ct)
    {
        var batch = new List<LogEntry>(Batch);
        foreach (var (leaf, e) in LogJoin.Join(Drain(leaves, ct), Drain(events, ct)))
        {
            batch.Add(new LogEntry(leaf, e, LogEntry.NoEvidence));
            if (batch.Count == Batch)
            {
                Put(writer, batch, ct);
                batch = new List<LogEntry>(Batch);
            }
        }
        if (batch.Count > 0)
            Put(writer, batch, ct);
    }

    private static void Put<T>(ChannelWriter<T> writer, T item, CancellationToken ct)
    {
        if (!writer.TryWrite(item))
            writer.WriteAsync(item, ct).AsTask().GetAwaiter().GetResult();
    }

    private static IEnumerable<T> Drain<T>(ChannelReader<T[]> reader, CancellationToken ct)
    {
        foreach (var batch in DrainBatches(reader, ct))
            foreach (var item in batch)
                yield return item;
    }

    private static IEnumerable<T> DrainBatches<T>(ChannelReader<T> reader, CancellationToken ct)
    {
        while (reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
            while (reader.TryRead(out var batch))
                yield return batch;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new NpgsqlConnection(connection);
        await conn.OpenAsync(ct);
        return conn;
    }

    /// <summary>A database the audit cannot read is a usage failure with PostgreSQL's own words.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw new AuditSourceException("the database cannot be read: " + e.Message, e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
