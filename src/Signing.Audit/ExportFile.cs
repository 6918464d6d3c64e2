using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Signing.Domain;
using Signing.Record;

namespace Signing.Audit;

/// <summary>
/// The export file of `esign audit export`: one gzip-compressed stream of UTF-8 JSON lines, each an object with a
/// "kind". In order: one "header" (format "esign-audit-export", version 1, the counts); every "checkpoint"; then the
/// log as the database source yields it (<see cref="LogEntry"/>): "blob" lines (evidence: sha256, mediaType, base64
/// bytes) followed by the "entry" (leaf and/or event, and the hashes of its evidence) that names them; last an "end"
/// line with the number of entries, so a cut file is refused. A blob applies to the next entry only, except CRLs
/// (application/pkix-crl), which are written once and apply to every entry after them.
/// </summary>
public static class ExportFile
{
    public const string Format = "esign-audit-export";
    public const int Version = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal sealed record Line
    {
        public required string Kind { get; init; }
        public string? Format { get; init; }
        public int? Version { get; init; }
        public string? Source { get; init; }
        public long? Events { get; init; }
        public long? Leaves { get; init; }
        public long? Checkpoints { get; init; }
        public StoredCheckpoint? Checkpoint { get; init; }
        public EvidenceBlob? Blob { get; init; }
        public LogLeaf? Leaf { get; init; }
        public StoredEvent? Event { get; init; }
        public string[]? Evidence { get; init; }
        public long? Entries { get; init; }
    }

    /// <summary>Writes everything <paramref name="source"/> holds, evidence included; returns the number of log entries.</summary>
    public static async Task<long> WriteAsync(IAuditSource source, Stream destination, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var info = await source.InfoAsync(ct);
        await using var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        await using var text = new StreamWriter(gzip, new UTF8Encoding(false), 1 << 16);
        async Task Put(Line line)
        {
            await text.WriteAsync(JsonSerializer.Serialize(line, Json));
            await text.WriteAsync('\n');
        }

        await Put(new Line
        {
            Kind = "header", Format = Format, Version = Version, Source = info.Description,
            Events = info.Events, Leaves = info.Leaves, Checkpoints = info.Checkpoints,
        });
        foreach (var c in await source.CheckpointsAsync(ct))
            await Put(new Line { Kind = "checkpoint", Checkpoint = c });
        var crlsWritten = new HashSet<string>(StringComparer.Ordinal);
        long entries = 0;
        await foreach (var batch in source.EntriesAsync(withEvidence: true, ct))
        {
            foreach (var entry in batch)
            {
                foreach (var blob in entry.Evidence.Values)
                    if (blob.MediaType != EvidenceMediaTypes.Crl || crlsWritten.Add(blob.Sha256))
                        await Put(new Line { Kind = "blob", Blob = blob });
                await Put(new Line
                {
                    Kind = "entry", Leaf = entry.Leaf, Event = entry.Event,
                    Evidence = entry.Evidence.Count == 0 ? null : [.. entry.Evidence.Keys],
                });
            }
            entries += batch.Count;
            progress?.Report(entries);
        }
        await Put(new Line { Kind = "end", Entries = entries });
        return entries;
    }

    /// <summary>An export file as a source.</summary>
    public static IAuditSource Open(string path) => new FileSource(path);

    private sealed class FileSource(string path) : IAuditSource
    {
        private SourceInfo? info;
        private List<StoredCheckpoint>? checkpoints;

        public Task<SourceInfo> InfoAsync(CancellationToken ct)
        {
            Prologue();
            return Task.FromResult(info!);
        }

        public Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(CancellationToken ct)
        {
            Prologue();
            return Task.FromResult<IReadOnlyList<StoredCheckpoint>>(checkpoints!);
        }

        /// <summary>The header and the checkpoints, read once.</summary>
        private void Prologue()
        {
            if (info is not null)
                return;
            var list = new List<StoredCheckpoint>();
            foreach (var line in Lines())
            {
                if (line.Kind == "header")
                    info = new SourceInfo($"export file {path} (of {line.Source})", line.Events ?? 0, line.Leaves ?? 0, line.Checkpoints ?? 0);
                else if (line.Kind == "checkpoint" && line.Checkpoint is { } c)
                    list.Add(c);
                else
                    break;
            }
            checkpoints = list;
        }

        public async IAsyncEnumerable<IReadOnlyList<LogEntry>> EntriesAsync(bool withEvidence, [EnumeratorCancellation] CancellationToken ct)
        {
            // Parsing lines is the whole cost here: it runs on a thread of its own while the caller checks.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var channel = System.Threading.Channels.Channel.CreateBounded<List<LogEntry>>(8);
            var reader = Task.Factory.StartNew(() =>
            {
                try
                {
                    Read(withEvidence, channel.Writer, stop.Token);
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                await foreach (var batch in channel.Reader.ReadAllAsync(ct))
                    yield return batch;
            }
            finally
            {
                stop.Cancel();
                await reader; // its failure, if any, came through the channel
            }
        }

        private void Read(bool withEvidence, System.Threading.Channels.ChannelWriter<List<LogEntry>> writer, CancellationToken ct)
        {
            var crls = new Dictionary<string, EvidenceBlob>(StringComparer.Ordinal);
            var pending = new Dictionary<string, EvidenceBlob>(StringComparer.Ordinal);
            var batch = new List<LogEntry>(1024);
            long entries = 0;
            var ended = false;
            foreach (var line in Lines())
            {
                ct.ThrowIfCancellationRequested();
                switch (line.Kind)
                {
                    case "blob" when line.Blob is { } blob:
                        if (!withEvidence)
                            break;
                        if (blob.MediaType == EvidenceMediaTypes.Crl)
                            crls[blob.Sha256] = blob;
                        pending[blob.Sha256] = blob;
                        break;
                    case "entry":
                        var evidence = LogEntry.NoEvidence;
                        if (withEvidence && line.Evidence is { Length: > 0 } named)
                        {
                            var d = new Dictionary<string, EvidenceBlob>(named.Length, StringComparer.Ordinal);
                            foreach (var h in named)
                                if (pending.TryGetValue(h, out var b) || crls.TryGetValue(h, out b))
                                    d[h] = b;
                            evidence = d;
                        }
                        pending.Clear();
                        batch.Add(new LogEntry(line.Leaf, line.Event, evidence));
                        entries++;
                        if (batch.Count == 1024)
                        {
                            writer.WriteAsync(batch, ct).AsTask().GetAwaiter().GetResult();
                            batch = new List<LogEntry>(1024);
                        }
                        break;
                    case "end":
                        if (line.Entries != entries)
                            throw new AuditSourceException($"{path}: the end line counts {line.Entries} entries, the file holds {entries}");
                        ended = true;
                        break;
                }
            }
            if (!ended)
                throw new AuditSourceException($"{path}: the file ends before its end line (cut short?)");
            if (batch.Count > 0)
                writer.WriteAsync(batch, ct).AsTask().GetAwaiter().GetResult();
        }

        private IEnumerable<Line> Lines()
        {
            Stream file;
            try
            {
                file = File.OpenRead(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AuditSourceException($"{path}: {e.Message}", e);
            }
            using (file)
            {
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                using var text = new StreamReader(gzip, Encoding.UTF8, false, 1 << 16);
                var number = 0;
                while (true)
                {
                    string? raw;
                    Line? line;
                    try
                    {
                        raw = text.ReadLine();
                        if (raw is null)
                            yield break;
                        number++;
                        line = JsonSerializer.Deserialize<Line>(raw, Json);
                    }
                    catch (Exception e) when (e is JsonException or InvalidDataException or IOException)
                    {
                        throw new AuditSourceException($"{path}: line {number + 1} is not readable: {e.Message}", e);
                    }
                    if (line is null)
                        throw new AuditSourceException($"{path}: line {number} is empty");
                    if (number == 1 && (line.Kind != "header" || line.Format != Format || line.Version != Version))
                        throw new AuditSourceException($"{path}: not an {Format} file of version {Version}");
                    yield return line;
                }
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
