using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Signing.Domain;

namespace Signing.Store;

/// <summary>Group commit settings (configuration section <see cref="Section"/>).</summary>
public sealed record GroupCommitOptions
{
    public const string Section = "Signing:GroupCommit";

    /// <summary>The most submissions one batch (all tenants together) takes from the queue.</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>
    /// How long a batch waits for more submissions after the first one. 0 = take what is queued and go: under load the
    /// queue refills while a commit runs, so batches grow by themselves; when idle nobody pays an extra wait.
    /// </summary>
    public int MaxWaitMicroseconds { get; init; }

    /// <summary>
    /// Batches committing at the same time. Above 1, the next batch is read and decided while the previous one waits on
    /// PostgreSQL; 1 = strictly one after another (biggest batches, least database CPU per submission). Batches in flight
    /// together cannot see each other: a duplicate across them (same request id, or same TCKN) collides in PostgreSQL at
    /// the later commit, and that batch is submitted again one by one, so every caller still gets the exact answer (the
    /// batch that commits first wins). bench/Signing.Load/README.md has the measured effect of each setting.
    /// </summary>
    public int MaxInFlight { get; init; } = 2;

    /// <summary>Each setting out of its range, as one line naming its key; none when the options are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxBatch < 1)
            yield return $"{Section}:MaxBatch must be at least 1 (was {MaxBatch})";
        if (MaxInFlight < 1)
            yield return $"{Section}:MaxInFlight must be at least 1 (was {MaxInFlight})";
        if (MaxWaitMicroseconds < 0)
            yield return $"{Section}:MaxWaitMicroseconds must be at least 0 (was {MaxWaitMicroseconds})";
    }
}

/// <summary>
/// Group commit of submissions: callers arriving together share one PostgreSQL transaction per tenant (one
/// SaveChangesAsync with many streams and their inline projections), and each caller is answered only after that
/// commit, so an acknowledged submission is durable. Each tenant's part of a batch goes through the same planner as
/// <see cref="ApplicationStore.SubmitAsync"/>, so the answers are exactly those of single submissions run one after
/// another in arrival order.
/// </summary>
public sealed class GroupCommitSubmitter : IRenewalSubmitter, IAsyncDisposable
{
    private readonly SubmissionWriter _writer;
    private readonly ILogger? _logger;
    private readonly int _maxBatch;
    private readonly TimeSpan _maxWait;
    private readonly int _maxInFlight;
    private readonly SemaphoreSlim _inFlight;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
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
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Submissions waiting for a batch.</summary>
    public int Queued => Volatile.Read(ref _queued);
    private int _queued;

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
        var pending = new Pending(tenant, admitted!, ct,
            new TaskCompletionSource<StoreResult<WriteResult>>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(GroupCommitSubmitter));
        }
        // The caller may stop waiting; the batch it joined goes on (a retry with the same request id finds the outcome).
        return ct.CanBeCanceled ? pending.Result.Task.WaitAsync(ct) : pending.Result.Task;
    }

    /// <summary>Stops taking submissions; those already queued are still committed and answered.</summary>
    public async ValueTask DisposeAsync()
    {
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
            _logger?.LogError(ex, "Group commit batch of {Count} failed outside a tenant commit", batch.Count);
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
        // A caller that gave up before its batch started is dropped: it was never committed, and its retry decides afresh.
        var live = new List<Pending>(batch.Count);
        foreach (var p in batch)
        {
            if (p.Ct.IsCancellationRequested)
                p.Result.TrySetCanceled(p.Ct);
            else
                live.Add(p);
        }
        if (live.Count == 0)
            return;
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _submissions, live.Count);
        _batchSizes?.Record(live.Count);
        // Tenants share nothing (every row carries tenant_id): their transactions run side by side.
        var groups = live.GroupBy(p => p.Tenant, StringComparer.Ordinal).ToList();
        if (groups.Count == 1)
            await CommitTenantAsync(groups[0].Key, live).ConfigureAwait(false);
        else
            await Task.WhenAll(groups.Select(g => CommitTenantAsync(g.Key, g.ToList()))).ConfigureAwait(false);
    }

    /// <summary>One tenant's part of a batch: one read, the plan, one commit, then the answers.</summary>
    private async Task CommitTenantAsync(string tenant, List<Pending> items)
    {
        IReadOnlyList<StoreResult<WriteResult>>? answers;
        try
        {
            // Not the callers' tokens: one caller giving up must not roll back the others.
            answers = await _writer.TryCommitAsync(tenant, items.ConvertAll(p => p.Command), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger?.LogError(ex, "Group commit of {Count} submissions failed in tenant {Tenant}", items.Count, tenant);
            foreach (var p in items)
                p.Result.TrySetException(ex);
            return;
        }
        if (answers is null)
        {
            // Another writer committed a stream or an open renewal this batch meant to write: nothing of the batch was
            // committed, so each submission goes alone, in arrival order, and gets its exact answer.
            _logger?.LogInformation("Group commit of {Count} submissions collided with another writer in tenant {Tenant}; resubmitting one by one",
                items.Count, tenant);
            await SubmitOneByOneAsync(tenant, items).ConfigureAwait(false);
            return;
        }
        for (var i = 0; i < items.Count; i++)
            items[i].Result.TrySetResult(answers[i]);
    }

    private async Task SubmitOneByOneAsync(string tenant, List<Pending> items)
    {
        foreach (var p in items)
        {
            if (p.Ct.IsCancellationRequested)
            {
                p.Result.TrySetCanceled(p.Ct);
                continue;
            }
            try
            {
                p.Result.TrySetResult(await _writer.SubmitAsync(tenant, p.Command, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception ex)
            {
                p.Result.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(string Tenant, SubmitRenewal Command, CancellationToken Ct, TaskCompletionSource<StoreResult<WriteResult>> Result);
}
