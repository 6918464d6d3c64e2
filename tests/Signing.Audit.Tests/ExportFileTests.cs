using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using Signing.Domain;
using Signing.Record;

namespace Signing.Audit.Tests;

public sealed class ExportFileTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), "audit-export-" + Guid.NewGuid().ToString("N") + ".jsonl.gz");

    public void Dispose() => File.Delete(path);

    /// <summary>A source over a log in memory, with blobs for some events (a CRL shared by two).</summary>
    private sealed class MemorySource(SyntheticLog log, IReadOnlyDictionary<long, EvidenceBlob[]> blobs) : IAuditSource
    {
        public Task<SourceInfo> InfoAsync(CancellationToken ct) => Task.FromResult(new SourceInfo("memory", log.Events.Count, log.Leaves.Count, log.Checkpoints.Count));
        public Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<StoredCheckpoint>>(log.Checkpoints);

        public async IAsyncEnumerable<IReadOnlyList<LogEntry>> EntriesAsync(bool withEvidence, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            yield return log.Entries().Select(e => withEvidence && blobs.TryGetValue(e.Event!.SeqId, out var b)
                ? e with { Evidence = b.ToDictionary(x => x.Sha256) } : e).ToList();
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static EvidenceBlob Blob(string media, string text) =>
        new(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text))), media, Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task The_file_gives_back_every_entry_checkpoint_and_blob_a_CRL_written_once()
    {
        var log = SyntheticLog.With(5, 5);
        var crl = Blob(EvidenceMediaTypes.Crl, "crl");
        var blobs = new Dictionary<long, EvidenceBlob[]>
        {
            [1] = [Blob("application/json", "form 1"), crl],
            [3] = [Blob("application/json", "form 3"), crl],
        };
        await using (var file = File.Create(path))
            Assert.Equal(5, await ExportFile.WriteAsync(new MemorySource(log, blobs), file));

        var source = ExportFile.Open(path);
        var info = await source.InfoAsync(default);
        Assert.Contains("(of memory)", info.Description);
        Assert.Equal((5L, 5L, 1L), (info.Events, info.Leaves, info.Checkpoints));
        Assert.Equal(log.Checkpoints.Select(c => (c.TreeSize, c.Note)), (await source.CheckpointsAsync(default)).Select(c => (c.TreeSize, c.Note)));
        var entries = new List<LogEntry>();
        await foreach (var batch in source.EntriesAsync(withEvidence: true, default))
            entries.AddRange(batch);
        Assert.Equal(log.Events, entries.Select(e => e.Event!));
        Assert.Equal(log.Leaves.Select(l => Convert.ToHexString(l.LeafHash)), entries.Select(e => Convert.ToHexString(e.Leaf!.LeafHash)));
        Assert.Equal(["crl", "form 3"], entries[2].Evidence.Values.Select(b => Encoding.UTF8.GetString(b.Bytes)).Order());
        Assert.Empty(entries[1].Evidence);

        var lines = ReadLines();
        Assert.Single(lines, l => l.Contains("\"mediaType\":\"application/pkix-crl\""));
    }

    [Fact]
    public async Task A_cut_file_or_another_format_is_refused_as_unreadable()
    {
        await using (var file = File.Create(path))
            await ExportFile.WriteAsync(new MemorySource(SyntheticLog.With(3, 3), new Dictionary<long, EvidenceBlob[]>()), file);
        var lines = ReadLines();
        WriteLines(lines[..^1]);
        var cut = await Assert.ThrowsAsync<AuditSourceException>(() => Drain(ExportFile.Open(path)));
        Assert.Contains("end line", cut.Message);

        WriteLines(["{\"kind\":\"header\",\"format\":\"something-else\",\"version\":1}"]);
        await Assert.ThrowsAsync<AuditSourceException>(() => ExportFile.Open(path).InfoAsync(default));
    }

    [Fact]
    public async Task Auditing_the_file_reports_what_auditing_its_source_reports()
    {
        var log = SyntheticLog.With(7, 4);
        log.Events[2] = log.Events[2] with { Json = log.Events[2].Json.Replace("2", "4") };
        var source = new MemorySource(log, new Dictionary<long, EvidenceBlob[]>());
        await using (var file = File.Create(path))
            await ExportFile.WriteAsync(source, file);
        // Checkpoints without a signature do not seal: the problems are the tampered leaf, the root and the unsealed ones.
        var options = SyntheticLog.Options();
        var direct = await new Auditor(options).RunAsync(source);
        var fromFile = await new Auditor(options).RunAsync(ExportFile.Open(path));
        Assert.Contains(direct.Problems, p => p.Code == "leaf.hash" && p.LeafIndex == 2);
        Assert.Equal(direct.Problems.Select(p => p.ToString()), fromFile.Problems.Select(p => p.ToString()));
        Assert.Equal((direct.RootSha256, direct.Leaves, direct.Events), (fromFile.RootSha256, fromFile.Leaves, fromFile.Events));
    }

    private static async Task Drain(IAuditSource source)
    {
        await foreach (var _ in source.EntriesAsync(true, default))
        {
        }
    }

    private string[] ReadLines()
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        return r.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private void WriteLines(string[] lines)
    {
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    }
}
