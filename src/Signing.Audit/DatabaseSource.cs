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
