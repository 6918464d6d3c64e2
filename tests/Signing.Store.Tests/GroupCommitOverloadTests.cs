using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// Group commit under overload and with a stalled database (a real PostgreSQL lock held by the test): the queue is
/// bounded, a full queue refuses at once without writing, and a commit that cannot finish is cancelled in PostgreSQL
/// and its callers are told the outcome is unknown, never left waiting.
/// </summary>
[Collection(StoreCollection.Name)]
public class GroupCommitOverloadTests(StoreFixture fx)
{
    /// <summary>Generous: the bound of a wait that must end, on a loaded two-core machine.</summary>
    private static readonly TimeSpan Ends = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_full_queue_refuses_the_next_submission_at_once_and_writes_nothing_of_it()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hook = new CommitHook
        {
            Before = async _ =>
            {
                held.TrySetResult();
                await gate.Task;
            },
        };
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store, hook),
            new GroupCommitOptions { MaxInFlight = 1, MaxBatch = 1, MaxQueued = 2 });
        Assert.Equal(2, gc.MaxQueued);

        var first = gc.SubmitAsync(code, Submit(t, Doctors[0], RequestId()));
        await held.Task.WaitAsync(Ends);
        var queued = new[] { gc.SubmitAsync(code, Submit(t, Doctors[1], RequestId())), gc.SubmitAsync(code, Submit(t, Doctors[2], RequestId())) };
        Assert.Equal(2, gc.Queued);

        var refusedId = RequestId();
        var refused = Assert.Throws<StoreOverloadedException>(() => { _ = gc.SubmitAsync(code, Submit(t, Doctors[3], refusedId)); });
        Assert.Equal(2, refused.Limit);
        Assert.Equal(1, gc.Refused);

        gate.SetResult();
        Assert.True((await first.WaitAsync(Ends)).Ok);
        Assert.All(await Task.WhenAll(queued).WaitAsync(Ends), r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.Equal(0, gc.Queued);
        Assert.Equal(3, await SubmittedStreams(code));
        Assert.Equal(0, await StreamsOf(code, Doctors[3]));

        // Room again: the refused submission, retried, is taken.
        Assert.True((await gc.SubmitAsync(code, Submit(t, Doctors[3], refusedId)).WaitAsync(Ends)).Ok);
        Assert.Equal(4, await SubmittedStreams(code));
    }

    [Fact]
    public async Task A_commit_stalled_in_PostgreSQL_is_cancelled_at_the_commit_timeout_and_its_caller_told_the_outcome_is_unknown()
    {
        var code = NewTenant();
        var t = Tenant(code);
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store), new GroupCommitOptions { CommitTimeoutSeconds = 1 });
        var command = Submit(t, Doctors[0], RequestId());

        await using (var stall = await StallAsync())
        {
            // No deadline of its own: the server's commit timeout still ends the wait.
            var unknown = await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => gc.SubmitAsync(code, command).WaitAsync(Ends));
            Assert.Contains("same request id", unknown.Message);
            // The statement was cancelled in PostgreSQL, not left waiting behind the lock.
            await UntilAsync(async () => await WaitingOnLockAsync() == 0);
        }

        // The retry with the same request id decides afresh: nothing was committed. (Through the single path: a second is
        // little room on a loaded machine for a healthy commit either.)
        var retried = await fx.Applications.SubmitAsync(code, command).WaitAsync(Ends);
        Assert.True(retried.Ok, retried.Failure?.ToString());
        Assert.False(retried.Value!.WasRetry);
        Assert.Equal(1, await SubmittedStreams(code));
    }

    [Fact]
    public async Task One_caller_giving_up_leaves_its_batch_to_commit_for_the_others()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var gates = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var held = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var commits = -1;
        var hook = new CommitHook
        {
            Before = async _ =>
            {
                var n = Interlocked.Increment(ref commits);
                if (n < 2)
                {
                    held[n].TrySetResult();
                    await gates[n].Task;
                }
            },
        };
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store, hook), new GroupCommitOptions { MaxInFlight = 1, CommitTimeoutSeconds = 60 });
        // A first batch holds the only slot while the two callers queue up, so they share the next batch.
        var blocker = gc.SubmitAsync(code, Submit(t, Doctors[2], RequestId()));
        await held[0].Task.WaitAsync(Ends);
        using var leaving = new CancellationTokenSource();
        var gone = gc.SubmitAsync(code, Submit(t, Doctors[0], RequestId()), leaving.Token);
        var staying = gc.SubmitAsync(code, Submit(t, Doctors[1], RequestId()));
        Assert.Equal(2, gc.Queued);
        gates[0].SetResult();
        await held[1].Task.WaitAsync(Ends);

        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        gates[1].SetResult();

        Assert.True((await blocker.WaitAsync(Ends)).Ok);
        Assert.True((await staying.WaitAsync(Ends)).Ok);
        // Committed with its batch although its caller left (a retry with its request id would find it).
        Assert.Equal(1, await StreamsOf(code, Doctors[0]));
        Assert.Equal(3, await SubmittedStreams(code));
    }

    [Fact]
    public async Task When_every_caller_of_a_stalled_commit_gives_up_PostgreSQL_stops_the_work_and_nothing_is_written()
    {
        var code = NewTenant();
        var t = Tenant(code);
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store), new GroupCommitOptions { MaxInFlight = 1, CommitTimeoutSeconds = 600 });
        var quitting = new[] { new CancellationTokenSource(), new CancellationTokenSource() };
        var lost = new[] { Doctors[0], Doctors[1] };
        await using (var stall = await StallAsync())
        {
            var calls = lost.Select((a, i) => gc.SubmitAsync(code, Submit(t, a, RequestId()), quitting[i].Token)).ToList();
            await UntilAsync(async () => await WaitingOnLockAsync() > 0);
            foreach (var q in quitting)
                q.Cancel();
            foreach (var call in calls)
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
            // Long before the commit timeout: the callers' leaving cancelled the statement.
            await UntilAsync(async () => await WaitingOnLockAsync() == 0);
        }
        foreach (var q in quitting)
            q.Dispose();
        foreach (var a in lost)
            Assert.Equal(0, await StreamsOf(code, a));
    }

    /// <summary>
    /// Holds an exclusive lock on the open-renewal guard table in an open transaction: every submission's first read
    /// waits behind it, as behind a stalled server. Disposing rolls back and frees it.
    /// </summary>
    private async Task<Stall> StallAsync()
    {
        var connection = new NpgsqlConnection(fx.OwnerConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand($"lock table {SigningStore.Schema}.mt_doc_openrenewal in access exclusive mode", connection, transaction))
            await lockTable.ExecuteNonQueryAsync();
        return new Stall(connection, transaction);
    }

    private sealed class Stall(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>Statements of this database waiting for a lock right now.</summary>
    private async Task<long> WaitingOnLockAsync()
    {
        // As the administrator: other roles' wait events are hidden from a plain role.
        await using var connection = new NpgsqlConnection(fx.Postgres.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where datname = @db and wait_event_type = 'Lock'", connection);
        command.Parameters.AddWithValue("db", fx.Postgres.DatabaseName);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Ends;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not come true in time");
            await Task.Delay(50);
        }
    }

    private async Task<int> StreamsOf(string tenant, Applicant a)
    {
        await using var session = fx.Store.QuerySession(tenant);
        var submitted = await session.Events.QueryRawEventDataOnly<RenewalSubmitted>().Where(e => e.ApplicantTckn == a.Tckn.Value).ToListAsync();
        return submitted.Select(e => e.ApplicationId).Distinct().Count();
    }

    private async Task<int> SubmittedStreams(string tenant)
    {
        await using var session = fx.Store.QuerySession(tenant);
        var submitted = await session.Events.QueryRawEventDataOnly<RenewalSubmitted>().ToListAsync();
        return submitted.Select(e => e.ApplicationId).Distinct().Count();
    }
}
