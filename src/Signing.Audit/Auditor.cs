using System.Diagnostics;
using System.Threading.Channels;

namespace Signing.Audit;

/// <summary>
/// Runs an audit over a source: the checkpoints on their own, then one ordered pass over the log (leaves, tree, roots)
/// that hands each event with evidence to a pool of verifiers, one per core. The report lists every problem found.
/// </summary>
public sealed class Auditor(AuditOptions options)
{
    /// <summary>Entries per work item: small enough that both verifiers stay busy to the end.</summary>
    private const int Slice = 64;

    public async Task<AuditReport> RunAsync(IAuditSource source, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var info = await source.InfoAsync(ct);
        var problems = new ProblemSink(options.ListedProblems);
        var checkpoints = await source.CheckpointsAsync(ct);
        var signed = new CheckpointChecker(options, problems).Check(checkpoints);
        var walk = new TreeWalk(checkpoints, signed, options, problems);
        var evidence = new EvidenceChecker(options.Trust);

        // Batches, not entries, go through the channel: its synchronisation per item costs more than a small JSON parse.
        var queue = Channel.CreateBounded<List<LogEntry>>(new BoundedChannelOptions(64) { SingleWriter = true });
        var workers = options.TreeOnly ? [] : Enumerable.Range(0, Math.Max(1, options.Parallelism)).Select(_ => Task.Run(async () =>
        {
            await foreach (var batch in queue.Reader.ReadAllAsync(ct))
            foreach (var entry in batch)
            {
                try
                {
                    evidence.Check(entry, (code, message) => problems.Add(AuditProblem.At(entry, code, message)));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The verifiers never throw for bad input; whatever did is a finding, and the pass must go on.
                    problems.Add(AuditProblem.At(entry, "evidence.error", "the evidence could not be checked: " + ex.Message));
                }
            }
        }, ct)).ToArray();

        long done = 0;
        try
        {
            await foreach (var batch in source.EntriesAsync(!options.TreeOnly, ct))
            {
                List<LogEntry>? carrying = null;
                foreach (var entry in batch)
                {
                    walk.Add(entry);
                    if (!options.TreeOnly && entry.Event is { } e && EventFacts.Carries(e.Type))
                        (carrying ??= new List<LogEntry>(Slice)).Add(entry);
                    if (carrying is { Count: Slice })
                    {
                        await queue.Writer.WriteAsync(carrying, ct);
                        carrying = null;
                    }
                }
                if (carrying is not null)
                    await queue.Writer.WriteAsync(carrying, ct);
                done += batch.Count;
                options.Progress?.Report(done);
            }
        }
        finally
        {
            queue.Writer.TryComplete();
        }
        await Task.WhenAll(workers);
        walk.Finish();

        return new AuditReport
        {
            Source = info.Description,
            AuditedAt = options.Now,
            TreeOnly = options.TreeOnly,
            Events = walk.Events,
            Leaves = walk.Leaves,
            EventJsonChecked = walk.JsonChecked,
            Checkpoints = checkpoints.Count,
            SubmissionsReVerified = evidence.Submissions,
            DecisionsReVerified = evidence.Decisions,
            EvidenceBlobsChecked = evidence.Blobs,
            TreeSize = walk.Size,
            RootSha256 = Convert.ToHexStringLower(walk.Root()),
            SealedSize = walk.SealedSize,
            Seconds = clock.Elapsed.TotalSeconds,
            ProblemCount = problems.Count,
            Problems = problems.Sorted(),
        };
    }
}
