using Marten;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// Group commit against the real PostgreSQL: many submissions per transaction, answered exactly as
/// <see cref="ApplicationStore.SubmitAsync"/> answers them one after another.
/// Batches are made deterministic with a gate: a first "blocker" submission is held just before its commit while the
/// submissions under test queue up, so they all land in the next batch together.
/// </summary>
[Collection(StoreCollection.Name)]
public class GroupCommitTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    [Fact]
    public async Task Five_hundred_concurrent_distinct_submissions_all_commit_in_a_few_shared_transactions()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var applicants = Applicants(500, seed: 1);
        var results = await Gated(gc, hook, code, 500, () => applicants.Select(a => Task.Run(() => gc.SubmitAsync(code, Submit(t, a, RequestId())))).ToList());

        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.All(results, r => Assert.False(r.Value!.WasRetry));
        Assert.All(results, r => Assert.Equal(1, r.Value!.Version));
        Assert.Equal(500, results.Select(r => r.Value!.ApplicationId).Distinct().Count());
        // The blocker's batch, then 256 + 244 (MaxBatch = 256).
        Assert.Equal(3, gc.Batches);
        Assert.Equal(501, gc.Submissions);

        Assert.Equal(501, await SubmittedStreams(code));
        var queued = await WholeQueue(code);
        Assert.Equal(501, queued.Count);
        Assert.Subset(queued.ToHashSet(), results.Select(r => r.Value!.ApplicationId).ToHashSet());
    }

    [Fact]
    public async Task Retries_of_one_request_in_one_batch_make_one_stream_and_answer_like_the_single_path()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var request = RequestId();
        var results = await Gated(gc, hook, code, 8, () => Enumerable.Range(0, 8).Select(_ => gc.SubmitAsync(code, Submit(t, Manager, request))).ToList());
        Assert.Equal(2, gc.Batches);

        var first = Ok(results[0]);
        Assert.False(first.WasRetry);
        Assert.All(results.Skip(1), r => Assert.True(Ok(r).WasRetry));
        Assert.Single(results.Select(r => r.Value!.ApplicationId).Distinct());
        Assert.Equal(1, await StreamsOf(code, Manager));

        // A later retry through either path gives the same answer as the in-batch retries.
        var single = await _app.SubmitAsync(code, Submit(t, Manager, request));
        var grouped = await gc.SubmitAsync(code, Submit(t, Manager, request));
        AssertSame(single, results[1]);
        AssertSame(single, grouped);
    }

    [Fact]
    public async Task Two_request_ids_for_one_TCKN_in_one_batch_the_first_wins_and_the_second_is_told_which()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var results = await Gated(gc, hook, code, 2, () => [gc.SubmitAsync(code, Submit(t, Doctor2, RequestId())), gc.SubmitAsync(code, Submit(t, Doctor2, RequestId()))]);
        Assert.Equal(2, gc.Batches);

        var winner = Ok(results[0]);
        var loser = results[1];
        Assert.False(loser.Ok);
        Assert.Equal(FailureKind.Conflict, loser.Failure!.Kind);
        Assert.Equal(ErrorCodes.OpenRenewalExists, loser.Failure.Error.Code);
        Assert.Equal(winner.ApplicationId, loser.Failure.ExistingApplicationId);
        Assert.Equal(1, await StreamsOf(code, Doctor2));
        // The single path, asked the same now, refuses in the same words.
        AssertSame(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId())), loser);
    }

    [Fact]
    public async Task A_batch_spanning_tenants_is_one_transaction_with_each_row_in_its_own_tenant()
    {
        var a = NewTenant();
        var b = NewTenant();
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var people = Applicants(6, seed: 2);
        // The same people in both tenants: one open renewal per TCKN is per tenant, so all are accepted.
        var results = await Gated(gc, hook, a, 12, () => people.SelectMany(p => new[]
        {
            gc.SubmitAsync(a, Submit(Tenant(a), p, RequestId())),
            gc.SubmitAsync(b, Submit(Tenant(b), p, RequestId())),
        }).ToList());
        Assert.Equal(2, gc.Batches);
        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString()));

        var queueA = await WholeQueue(a);
        var queueB = await WholeQueue(b);
        Assert.Equal(7, queueA.Count); // with the blocker
        Assert.Equal(6, queueB.Count);
        Assert.Empty(queueA.Intersect(queueB));
        for (var i = 0; i < results.Count; i++)
        {
            var tenant = i % 2 == 0 ? a : b;
            var view = await _app.GetAsync(tenant, results[i].Value!.ApplicationId);
            Assert.NotNull(view);
            Assert.Equal(tenant, view.Tenant);
            Assert.Null(await _app.GetAsync(tenant == a ? b : a, results[i].Value!.ApplicationId));
        }
        // Both tenants' streams were written by one transaction (PostgreSQL stamps each row with its writer's id).
        Assert.Equal(1, await Transactions(results.Select(r => r.Value!.ApplicationId)));
    }

    [Fact]
    public async Task One_signed_form_submitted_to_two_tenants_in_one_batch_is_taken_by_the_first_only()
    {
        var a = NewTenant();
        var b = NewTenant();
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var form = ESignedOnce(Doctor2, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()).PadRight(64, '0'));
        var results = await Gated(gc, hook, a, 2, () =>
        [
            gc.SubmitAsync(a, Submit(Tenant(a), Doctor2, RequestId(), form)),
            gc.SubmitAsync(b, Submit(Tenant(b), Doctor2, RequestId(), form)),
        ]);
        Assert.Equal(2, gc.Batches);

        Ok(results[0]);
        Assert.Equal(ErrorCodes.SignedMaterialReused, results[1].Failure?.Error.Code);
        Assert.Equal(1, await StreamsOf(a, Doctor2));
        Assert.Equal(0, await StreamsOf(b, Doctor2));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    public async Task A_batch_costs_one_read_and_one_write_whatever_the_number_of_its_tenants(int tenants)
    {
        var codes = Enumerable.Range(0, tenants).Select(_ => NewTenant()).ToList();
        // The applicants have rows on the expiring list already (a check saw their certificates): the batch updates them.
        foreach (var code in codes)
            await _app.RecordCertificateSeenAsync(code, new CertificateSeen(Doctor.Tckn.Value, Doctor.Name.Full, ApplicantCategory.Doctor, Now.AddDays(10), "aa".PadRight(64, 'b'), Now));
        var batch = Enumerable.Range(0, 6).Select(i => codes[i % tenants])
            .Select((code, i) => SubmissionPlanner.Admit(code, Submit(Tenant(code), i < tenants ? Doctor : Doctors[i], RequestId())).Admitted!).ToList();

        var (trips, answers) = await Signing.TestKit.RoundTrips.CountAsync(() => _app.Submissions.TryCommitAsync(batch, CancellationToken.None));

        Assert.NotNull(answers);
        Assert.All(answers, a => Assert.True(a.Ok, a.Failure?.ToString()));
        Assert.Equal(2, trips);
        foreach (var code in codes)
        {
            var page = await _app.ListExpiringAsync(code, Now, 90, null, 50);
            var doctor = Assert.Single(page.Items, h => h.Tckn == Doctor.Tckn.Value);
            Assert.NotNull(doctor.RenewalApplicationId);
        }
    }

    /// <summary>How many transactions wrote these streams (the distinct xmin of their mt_streams rows).</summary>
    private async Task<long> Transactions(IEnumerable<Guid> streams)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fx.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select count(distinct xmin::text) from {SigningStore.Schema}.mt_streams where id = any(@ids)", connection);
        command.Parameters.AddWithValue("ids", streams.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_refused_command_in_the_middle_of_a_batch_leaves_its_neighbours_committed()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var people = Applicants(5, seed: 3);
        // The middle form was signed by somebody else: the decider refuses it.
        SubmitRenewal Form(int i) => i == 2
            ? Submit(t, people[i], RequestId(), new Confirmation.ESigned(Signed(people[0].Tckn, Now.AddDays(45))))
            : Submit(t, people[i], RequestId());
        var forms = Enumerable.Range(0, 5).Select(Form).ToList();
        var results = await Gated(gc, hook, code, 5, () => forms.Select(f => gc.SubmitAsync(code, f)).ToList());
        Assert.Equal(2, gc.Batches);

        var refused = results[2];
        Assert.Equal(FailureKind.Domain, refused.Failure!.Kind);
        Assert.Equal(ErrorCodes.SignerNotApplicant, refused.Failure.Error.Code);
        Assert.All(results.Where((_, i) => i != 2), r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.Equal(0, await StreamsOf(code, people[2]));
        Assert.Equal(5, await SubmittedStreams(code)); // 4 + the blocker
        AssertSame(await _app.SubmitAsync(code, forms[2]), refused);
    }

    [Fact]
    public async Task A_caller_that_cancels_does_not_lose_the_others_commits()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var people = Applicants(4, seed: 4);
        using var quitter = new CancellationTokenSource();
        var requests = people.Select(_ => RequestId()).ToList();
        var tasks = new List<Task<StoreResult<WriteResult>>>();
        var results = await Gated(gc, hook, code, 4, () =>
        {
            for (var i = 0; i < people.Count; i++)
                tasks.Add(gc.SubmitAsync(code, Submit(t, people[i], requests[i]), i == 1 ? quitter.Token : default));
            // Gives up while queued: its batch has not started, so it is dropped, not committed.
            quitter.Cancel();
            return tasks.Where((_, i) => i != 1).ToList();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tasks[1]);
        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.Equal(0, await StreamsOf(code, people[1]));
        Assert.Equal(1, await StreamsOf(code, people[0]));
        Assert.Equal(4, await SubmittedStreams(code)); // 3 + the blocker
        // Its retry is a fresh submission.
        Assert.False(Ok(await gc.SubmitAsync(code, Submit(t, people[1], requests[1]))).WasRetry);
    }

    [Fact]
    public async Task A_caller_that_cancels_during_the_commit_gets_cancelled_but_the_batch_commits_and_a_retry_finds_it()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var people = Applicants(3, seed: 5);
        using var quitter = new CancellationTokenSource();
        var request = RequestId();
        Task<StoreResult<WriteResult>>? quitting = null;
        // All three wait behind a held batch and form the next one together; that batch's commit waits until the quitter
        // has given up.
        var others = await Gated(gc, hook, code, 3, () =>
            {
                quitting = gc.SubmitAsync(code, Submit(t, people[0], request), quitter.Token);
                return [.. people.Skip(1).Select(p => gc.SubmitAsync(code, Submit(t, p, RequestId())))];
            },
            then: _ =>
            {
                quitter.Cancel();
                return Task.CompletedTask;
            });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitting!);
        Assert.All(others, r => Assert.True(r.Ok, r.Failure?.ToString()));
        // The quitter's submission is durable anyway: its retry says so.
        var retry = Ok(await gc.SubmitAsync(code, Submit(t, people[0], request)));
        Assert.True(retry.WasRetry);
        Assert.Equal(4, await SubmittedStreams(code)); // the three and the blocker
    }

    [Fact]
    public async Task A_rival_writer_outside_the_batch_makes_the_batch_fall_back_to_single_submissions_with_exact_answers()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var people = Applicants(4, seed: 6);
        Guid? rival = null;
        // All four in one batch; after it decided, but before it commits, another server instance commits an
        // application for people[2]: the batch's insert of that open renewal collides in PostgreSQL.
        var results = await Gated(gc, hook, code, 4, () => people.Select(p => gc.SubmitAsync(code, Submit(t, p, RequestId()))).ToList(),
            then: async _ => rival ??= Ok(await _app.SubmitAsync(code, Submit(t, people[2], RequestId()))).ApplicationId);
        Assert.Equal(2, gc.Batches);

        Assert.NotNull(rival);
        var lost = results[2];
        Assert.Equal(FailureKind.Conflict, lost.Failure!.Kind);
        Assert.Equal(rival, lost.Failure.ExistingApplicationId);
        Assert.All(results.Where((_, i) => i != 2), r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.Equal(5, await SubmittedStreams(code)); // 3 + the rival + the blocker
        Assert.Equal(1, await StreamsOf(code, people[2]));
    }

    [Fact]
    public async Task A_submission_already_in_the_store_is_answered_as_a_retry_exactly_like_the_single_path()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var request = RequestId();
        var stored = Ok(await _app.SubmitAsync(code, Submit(t, FpExpiring, request)));
        // Move it on, so the retry's version is not simply 1.
        Ok(await _app.HandleAsync(code, stored.ApplicationId, 1, new Withdraw(FpExpiring.Tckn, "Vazgeçtim", Now.AddHours(1))));

        var grouped = await gc.SubmitAsync(code, Submit(t, FpExpiring, request));
        var single = await _app.SubmitAsync(code, Submit(t, FpExpiring, request));
        Assert.True(Ok(grouped).WasRetry);
        Assert.Equal(2, grouped.Value!.Version);
        AssertSame(single, grouped);
        Assert.Equal(1, await StreamsOf(code, FpExpiring));
    }

    [Fact]
    public async Task Requests_refused_before_the_database_get_the_single_paths_answers()
    {
        var code = NewTenant();
        var hook = new CommitHook();
        await using var gc = Batcher(hook, OneInFlight);
        var wrongTenant = Submit(Tenant("other"), Doctor, RequestId());
        AssertSame(await _app.SubmitAsync(code, wrongTenant), await gc.SubmitAsync(code, wrongTenant));
        var noRequestId = Submit(Tenant(code), Doctor, " ");
        var refused = await gc.SubmitAsync(code, noRequestId);
        Assert.Equal(ErrorCodes.MissingRequestId, refused.Failure!.Error.Code);
        AssertSame(await _app.SubmitAsync(code, noRequestId), refused);
        Assert.Equal(0, gc.Submissions);
    }

    [Fact]
    public async Task Two_batches_in_flight_for_one_TCKN_the_later_commit_collides_and_is_answered_exactly()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, new GroupCommitOptions { MaxInFlight = 2 });
        var (first, second) = await OverlappingBatches(gc, hook,
            () => gc.SubmitAsync(code, Submit(t, Doctor2, RequestId())),
            () => gc.SubmitAsync(code, Submit(t, Doctor2, RequestId())));

        // Both batches decided before either committed; the second committed first, so the first collided in
        // PostgreSQL, went the single way, and was told who holds the open renewal.
        var winner = Ok(second);
        Assert.Equal(FailureKind.Conflict, first.Failure!.Kind);
        Assert.Equal(ErrorCodes.OpenRenewalExists, first.Failure.Error.Code);
        Assert.Equal(winner.ApplicationId, first.Failure.ExistingApplicationId);
        Assert.Equal(1, await StreamsOf(code, Doctor2));
    }

    [Fact]
    public async Task Two_batches_in_flight_with_one_request_id_make_one_stream_and_the_later_commit_is_a_retry()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var hook = new CommitHook();
        await using var gc = Batcher(hook, new GroupCommitOptions { MaxInFlight = 2 });
        var request = RequestId();
        var (first, second) = await OverlappingBatches(gc, hook,
            () => gc.SubmitAsync(code, Submit(t, Manager, request)),
            () => gc.SubmitAsync(code, Submit(t, Manager, request)));

        Assert.False(Ok(second).WasRetry);
        Assert.True(Ok(first).WasRetry);
        Assert.Equal(second.Value!.ApplicationId, first.Value!.ApplicationId);
        Assert.Equal(1, await StreamsOf(code, Manager));
        AssertSame(await _app.SubmitAsync(code, Submit(t, Manager, request)), first);
    }

    /// <summary>
    /// The first submission's batch is held just before its commit; the second forms its own batch (the second slot),
    /// decides without seeing the first and commits; then the first commit goes on.
    /// </summary>
    private static async Task<(StoreResult<WriteResult> First, StoreResult<WriteResult> Second)> OverlappingBatches(GroupCommitSubmitter gc, CommitHook hook,
        Func<Task<StoreResult<WriteResult>>> submitFirst, Func<Task<StoreResult<WriteResult>>> submitSecond)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hook.Before = async _ =>
        {
            if (held.TrySetResult())
                await gate.Task;
        };
        var first = submitFirst();
        try
        {
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var second = await submitSecond().WaitAsync(TimeSpan.FromSeconds(30));
            gate.SetResult();
            return (await first, second);
        }
        finally
        {
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task Options_out_of_range_are_refused_with_the_setting_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitSubmitter(_app, new GroupCommitOptions { MaxBatch = 0 }));
        Assert.Contains("MaxBatch", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitSubmitter(_app, new GroupCommitOptions { MaxInFlight = 0 }));
        Assert.Contains("MaxInFlight", e.Message);
        await using var waits = new GroupCommitSubmitter(_app, new GroupCommitOptions { MaxBatch = 4, MaxWaitMicroseconds = 2000 });
        var code = NewTenant();
        // With a wait and a small batch bound, 10 submissions still all commit.
        var results = await Task.WhenAll(Applicants(10, seed: 7).Select(p => waits.SubmitAsync(code, Submit(Tenant(code), p, RequestId()))));
        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString()));
        Assert.True(waits.Batches >= 3, $"{waits.Batches} batches of at most 4 for 10 submissions");
    }

    /// <summary>
    /// Holds a blocker submission of <paramref name="blockerTenant"/> just before its commit, waits until the
    /// <paramref name="queued"/> submissions made by <paramref name="submit"/> are in the queue, then lets the blocker go:
    /// the queued ones form the next batch together. Later commits run <paramref name="then"/> before committing.
    /// </summary>
    private static async Task<List<StoreResult<WriteResult>>> Gated(GroupCommitSubmitter gc, CommitHook hook, string blockerTenant, int queued,
        Func<List<Task<StoreResult<WriteResult>>>> submit, Func<string, Task>? then = null)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hook.Before = async tenant =>
        {
            if (held.TrySetResult())
                await gate.Task;
            else if (then is not null)
                await then(tenant);
        };
        var blocker = gc.SubmitAsync(blockerTenant, Submit(Tenant(blockerTenant), Blocker, RequestId()));
        List<Task<StoreResult<WriteResult>>> tasks;
        try
        {
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            tasks = submit();
            // Callers started with Task.Run enqueue when their thread runs: wait (bounded) until all are queued.
            for (var i = 0; i < 3000 && gc.Queued < queued; i++)
                await Task.Delay(10);
            Assert.Equal(queued, gc.Queued);
        }
        finally
        {
            // Whatever happened, the held commit must go on, or disposing the submitter would wait forever.
            gate.TrySetResult();
        }
        Assert.True((await blocker).Ok);
        return [.. await Task.WhenAll(tasks)];
    }

    /// <summary>
    /// A group commit whose commits <paramref name="hook"/> steers; rival writers use the fixture's
    /// store, which has none.
    /// </summary>
    private GroupCommitSubmitter Batcher(CommitHook hook, GroupCommitOptions options) => new(new ApplicationStore(fx.Store, hook), options);

    /// <summary>One batch at a time, so a held batch makes the others queue up and form the next batch together.</summary>
    private static readonly GroupCommitOptions OneInFlight = new() { MaxInFlight = 1 };

    private static readonly Applicant Blocker = new(Tckn.Parse("10000000146"), PersonName.Parse("Kapı Tutucu"), ApplicantCategory.Doctor);

    /// <summary>Distinct valid TCKNs (checksums computed), away from the personas'.</summary>
    private static List<Applicant> Applicants(int count, int seed)
    {
        var random = new Random(seed);
        var seen = new HashSet<string> { Blocker.Tckn.Value };
        var list = new List<Applicant>(count);
        while (list.Count < count)
        {
            var tckn = Tckn.WithCheckDigits(random.Next(100_000_000, 1_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (seen.Add(tckn.Value))
                list.Add(new Applicant(tckn, PersonName.Parse("Deneme Kişi"), ApplicantCategory.Doctor));
        }
        return list;
    }

    private static void AssertSame(StoreResult<WriteResult> expected, StoreResult<WriteResult> actual)
    {
        Assert.Equal(expected.Ok, actual.Ok);
        if (!expected.Ok)
        {
            Assert.Equal(expected.Failure!.Kind, actual.Failure!.Kind);
            Assert.Equal(expected.Failure.Error, actual.Failure.Error);
            Assert.Equal(expected.Failure.ExistingApplicationId, actual.Failure.ExistingApplicationId);
            return;
        }
        var e = expected.Value!;
        var a = actual.Value!;
        Assert.Equal(e.ApplicationId, a.ApplicationId);
        Assert.Equal(e.Version, a.Version);
        Assert.Equal(e.WasRetry, a.WasRetry);
        Assert.Equal(e.Events.Select(x => x.GetType()), a.Events.Select(x => x.GetType()));
        Assert.Equal(e.Events.OfType<RenewalSubmitted>().Select(x => (x.ApplicationId, x.ApplicantTckn, x.ClientRequestId, x.ApplicationCode)),
            a.Events.OfType<RenewalSubmitted>().Select(x => (x.ApplicationId, x.ApplicantTckn, x.ClientRequestId, x.ApplicationCode)));
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

    private async Task<List<Guid>> WholeQueue(string tenant)
    {
        var ids = new List<Guid>();
        QueueCursor? cursor = null;
        do
        {
            var page = await _app.ListQueueAsync(tenant, cursor, ApplicationStore.MaxPageSize);
            ids.AddRange(page.Items.Select(i => i.Id));
            cursor = page.Next;
        } while (cursor is not null);
        return ids;
    }
}
