using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// Group commit of submissions: callers arriving together share one PostgreSQL transaction, whatever directorates
/// they submit to (one SaveChangesAsync with many streams of many tenants and their inline projections), and each caller
/// is answered only after that commit, so an acknowledged submission is durable. A batch goes through the same planner
/// as <see cref="ApplicationStore.SubmitAsync"/>, so the answers are exactly those of single submissions run one after
/// another in arrival order.
/// Under overload it refuses early instead of queueing without limit (<see cref="GroupCommitOptions.MaxQueued"/>), and a
/// batch's database work is cancelled when all its callers have given up or <see cref="GroupCommitOptions.CommitTimeoutSeconds"/>
/// has passed; a caller who cannot know whether its submission was committed gets <see cref="CommitOutcomeUnknownException"/>
/// (a retry with the same request id finds the stored outcome).
/// </summary>
public sealed partial class GroupCommitSubmitter : IRenewalSubmitter, IAsyncDisposable
{
    private readonly SubmissionWriter _writer;
    private readonly ILogger? _logger;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly int _maxInFlight;
    private readonly SemaphoreSlim _inFlight;
    private readonly Channel<Pending> _queue;
    private readonly TimeSpan _commitTimeout;
    private volatile bool _closed;
    private readonly Task _loop;
    private readonly Histogram<int>? _batchSizes;

    /// <summary>Batches the submissions of <paramref name="single"/>'s store (and its commit observer, if any).</summary>
    /// <param name="batchSizes">Where each batch's size is recorded (the server's metrics), if anywhere.</param>
    public GroupCommitSubmitter(ApplicationStore single, GroupCommitOptions options, ILogger? logger = null, Histogram<int>? batchSizes = null)
    {
        _batchSizes = batchSizes;
        ArgumentNullException.ThrowIfNull(single);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems().FirstOrDefault() is { } problem)
            throw new ArgumentOutOfRangeException(nameof(options), problem);
        _writer = single.Submissions;
        _logger = logger;
        _maxBatch = options.MaxBatch;
        _maxWait = TimeSpan.FromMicroseconds(options.MaxWaitMicroseconds);
        _maxInFlight = options.MaxInFlight;
        _inFlight = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        MaxQueued = options.QueueBound;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _commitTimeout = TimeSpan.FromSeconds(options.CommitTimeoutSeconds);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Submissions waiting for a batch (at most <see cref="MaxQueued"/>).</summary>
    public int Queued => Volatile.Read(ref _queued);
    private int _queued;

    /// <summary>The bound of the queue.</summary>
    public int MaxQueued { get; }

    /// <summary>Submissions refused because the queue was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);
    private long _refused;

    /// <summary>Batches committed and submissions they carried, for tests and diagnostics.</summary>
    public long Batches => Interlocked.Read(ref _batches);
    public long Submissions => Interlocked.Read(ref _submissions);
    private long _batches, _submissions;

    public Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        // The checks that need no database are answered at once.
        var (admitted, refused) = SubmissionPlanner.Admit(tenant, command);
        if (refused is not null)
            return Task.FromResult(refused);
        if (ct.IsCancellationRequested)
            return Task.FromCanceled<StoreResult<WriteResult>>(ct);

        // RunContinuationsAsynchronously: callers' continuations must not run on (and stall) the commit loop.
        var pending = new Pending(admitted!, ct,
            new TaskCompletionSource<StoreResult<WriteResult>>(TaskCreationOptions.RunContinuationsAsynchronously),
            Environment.TickCount64 + (long)_commitTimeout.TotalMilliseconds);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            if (_closed)
                throw new ObjectDisposedException(nameof(GroupCommitSubmitter));
            Interlocked.Increment(ref _refused);
            throw new StoreOverloadedException(MaxQueued);
        }
        return WaitAsync(pending);
    }

    /// <summary>
    /// The caller may stop waiting (its deadline), and waits no longer than the commit timeout in any case; the batch it
    /// joined goes on. Either way it cannot know whether it was committed: a retry with the same request id finds out.
    /// </summary>
    private async Task<StoreResult<WriteResult>> WaitAsync(Pending pending)
    {
        try
        {
            return await pending.Result.Task.WaitAsync(_commitTimeout, pending.Ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CommitOutcomeUnknownException($"no outcome within the commit timeout ({_commitTimeout.TotalSeconds:0} s)");
        }
    }

    /// <summary>Stops taking submissions; those already queued are still committed and answered.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var running = new List<Task>(_maxInFlight);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // At most MaxInFlight batches commit at once: while one waits on PostgreSQL the next is read and decided.
            await _inFlight.WaitAsync().ConfigureAwait(false);
            var batch = new List<Pending>(Math.Min(_maxBatch, 64));
            while (batch.Count < _maxBatch && reader.TryRead(out var item))
                batch.Add(item);
            if (_maxWait > TimeSpan.Zero && batch.Count < _maxBatch)
                await TopUpAsync(reader, batch).ConfigureAwait(false);
            Interlocked.Add(ref _queued, -batch.Count);
            running.RemoveAll(t => t.IsCompleted);
            running.Add(RunBatchAsync(batch));
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task RunBatchAsync(List<Pending> batch)
    {
        try
        {
            await ProcessAsync(batch).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Never leave a caller hanging, and never let the loop die: the next batch must still run.
            _logger?.LogError(ex, "Group commit batch of {Count} failed outside its commit", batch.Count);
            foreach (var p in batch)
                p.Result.TrySetException(ex);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task TopUpAsync(ChannelReader<Pending> reader, List<Pending> batch)
    {
        using var timeout = new CancellationTokenSource(_maxWait);
        try
        {
            while (batch.Count < _maxBatch && await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (batch.Count < _maxBatch && reader.TryRead(out var item))
                    batch.Add(item);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // The wait is over: go with what we have.
        }
    }

    private async Task ProcessAsync(List<Pending> batch)
    {
        // A caller that gave up (or stopped waiting) before its batch started is dropped: it was never committed, and its
        // retry decides afresh.
        var live = new List<Pending>(batch.Count);
        var now = Environment.TickCount64;
        foreach (var p in batch)
        {
            if (p.Ct.IsCancellationRequested)
                p.Result.TrySetCanceled(p.Ct);
            else if (now >= p.WaitsUntil)
                p.Result.TrySetException(new CommitOutcomeUnknownException("the submission waited longer than the commit timeout"));
            else
                live.Add(p);
        }
        if (live.Count == 0)
            return;
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _submissions, live.Count);
        _batchSizes?.Record(live.Count);
        // One transaction for every tenant of the batch: spread over 81 directorates, a batch would otherwise be 81
        // small commits, and the batching gain would depend on how the load is spread.
        await CommitAsync(live).ConfigureAwait(false);
    }

    /// <summary>A batch: one read, the plan, one commit, then the answers.</summary>
    private async Task CommitAsync(List<Pending> items)
    {
        IReadOnlyList<StoreResult<WriteResult>>? answers;
        // Not any one caller's token: one caller giving up must not roll back the others. Cancelled when every caller has
        // given up, or at the commit timeout.
        using var deadline = new BatchDeadline(items, _commitTimeout);
        try
        {
            answers = await _writer.TryCommitAsync(items.ConvertAll(p => p.Command), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failure = Unknown(ex, deadline);
            if (failure is CommitOutcomeUnknownException)
                _logger?.LogWarning("Group commit of {Count} submissions did not finish: {Reason}", items.Count, failure.Message);
            else
                _logger?.LogError(ex, "Group commit of {Count} submissions failed", items.Count);
            foreach (var p in items)
                p.Result.TrySetException(failure);
            return;
        }
        if (answers is null)
        {
            // Another writer committed a stream or an open renewal this batch meant to write: nothing of the batch was
            // committed, so each submission goes alone, in arrival order, and gets its exact answer.
            _logger?.LogInformation("Group commit of {Count} submissions collided with another writer; resubmitting one by one", items.Count);
            await SubmitOneByOneAsync(items).ConfigureAwait(false);
            return;
        }
        for (var i = 0; i < items.Count; i++)
            items[i].Result.TrySetResult(answers[i]);
    }

    private async Task SubmitOneByOneAsync(List<Pending> items)
    {
        foreach (var p in items)
        {
            if (p.Ct.IsCancellationRequested)
            {
                p.Result.TrySetCanceled(p.Ct);
                continue;
            }
            using var deadline = new BatchDeadline([p], _commitTimeout);
            try
            {
                p.Result.TrySetResult(await _writer.SubmitAsync(p.Command, deadline.Token).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                p.Result.TrySetException(Unknown(ex, deadline));
            }
        }
    }

    /// <summary>
    /// A failure on the way to PostgreSQL or back (cancelled, timed out, connection broken) may have come after the commit
    /// reached the server: its callers are told the outcome is unknown. Anything else is passed on as it is.
    /// </summary>
    private static Exception Unknown(Exception ex, BatchDeadline deadline) => ex switch
    {
        OperationCanceledException when deadline.Token.IsCancellationRequested => new CommitOutcomeUnknownException(
            deadline.TimedOut ? "the commit did not finish within the commit timeout" : "every caller of the batch gave up", ex),
        _ when IsConnectionFailure(ex) => new CommitOutcomeUnknownException("the database connection failed: " + ex.Message, ex),
        _ when ex.InnerException is { } inner && IsConnectionFailure(inner) =>
            new CommitOutcomeUnknownException("the database connection failed: " + inner.Message, ex),
        _ => ex,
    };

    /// <summary>
    /// Lost on the way, not refused: a PostgreSQL error (PostgresException) is the server's answer, after which the
    /// transaction was rolled back, so its outcome is known and it is passed on as it is.
    /// </summary>
    private static bool IsConnectionFailure(Exception ex) =>
        ex is (Npgsql.NpgsqlException and not Npgsql.PostgresException) or TimeoutException or IOException;

    private sealed record Pending(SubmitRenewal Command, CancellationToken Ct, TaskCompletionSource<StoreResult<WriteResult>> Result,
        long WaitsUntil);
}
