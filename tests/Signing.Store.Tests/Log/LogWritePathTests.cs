using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Record;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests.Log;

/// <summary>
/// Every write path gives every event exactly one leaf in its own transaction; a rollback leaves neither a leaf nor a
/// gap; concurrent writers get dense indices in commit order. Checks run over the whole store, so any test of the
/// collection that wrote events before is held to the same rule.
/// </summary>
[Collection(LogCollection.Name)]
public class LogWritePathTests(LogFixture fx)
{
    [Fact]
    public async Task Every_event_of_every_write_path_is_one_leaf()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var single = Ok(await fx.Applications.SubmitAsync(code, Submit(t, Doctor, RequestId())));
        await AssertOneLeafPerEvent(single.ApplicationId, 1);

        var approved = Ok(await fx.Applications.HandleAsync(code, single.ApplicationId, single.Version, Approve(t, Officer1)));
        Assert.True(approved.Version > single.Version);
        await AssertOneLeafPerEvent(single.ApplicationId, approved.Version);

        await fx.Applications.RecordCertificateSeenAsync(code, new CertificateSeen(Doctor2.Tckn.Value, "Zeynep Koç", ApplicantCategory.Doctor, Now.AddDays(30), "cd".PadRight(64, 'e'), Now));
        await fx.Applications.RecordCertificateSeenAsync(code, new CertificateSeen(Doctor2.Tckn.Value, "Zeynep Koç", ApplicantCategory.Doctor, Now.AddDays(30), "cd".PadRight(64, 'e'), Now.AddHours(1)));
        await AssertOneLeafPerEvent(ApplicationStore.ApplicationIdFor(code, "certificate-holder/" + Doctor2.Tckn.Value), 2);

        // Group commit: one batch carrying three tenants, held until all are queued.
        var tenants = new[] { NewTenant(), NewTenant(), NewTenant() };
        var hook = new CommitHook();
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store, hook), new GroupCommitOptions { MaxInFlight = 1 });
        var gate = new TaskCompletionSource();
        var held = new TaskCompletionSource();
        hook.Before = async _ =>
        {
            if (held.TrySetResult())
                await gate.Task;
        };
        var blocker = gc.SubmitAsync(code, Submit(t, Manager, RequestId()));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var batch = tenants.SelectMany(c => new[] { Doctor, Doctor2, Individual }.Select(a => gc.SubmitAsync(c, Submit(Tenant(c), a, RequestId())))).ToList();
        for (var i = 0; i < 3000 && gc.Queued < batch.Count; i++)
            await Task.Delay(10);
        Assert.Equal(batch.Count, gc.Queued);
        gate.SetResult();
        Ok(await blocker);
        var results = (await Task.WhenAll(batch)).Select(Ok).ToList();
        Assert.Equal(2, gc.Batches);
        foreach (var r in results)
            await AssertOneLeafPerEvent(r.ApplicationId, r.Version);
        await AssertLogMatchesEvents();
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_leaf_and_no_gap()
    {
        var log = new TransparencyLog(fx.Store);
        var before = await log.SizeAsync(default);
        var stream = Guid.NewGuid();
        await using (var session = fx.Store.LightweightSession(NewTenant()))
        {
            session.Events.StartStream(stream, new CertificateSeen(Doctor.Tckn.Value, "Ayşe Yılmaz", ApplicantCategory.Doctor, Now, "ab".PadRight(64, 'c'), Now),
                new CertificateSeen(Doctor.Tckn.Value, "Ayşe Yılmaz", ApplicantCategory.Doctor, Now, "ab".PadRight(64, 'c'), Now.AddMinutes(1)));
            // Fails after the events' insert, inside the same transaction, having seen that the trigger wrote their leaves
            // (fired early: it is deferred to commit).
            session.QueueSqlCommand("set constraints all immediate");
            session.QueueSqlCommand($"select (case when count(*) = 2 then 'rolled back after the leaves' end)::int from signing.log_leaves where stream_id = '{stream}'");
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
            Assert.Contains("rolled back after the leaves", failure.ToString());
        }
        Assert.Equal(before, await log.SizeAsync(default));
        Assert.Equal(0, await ScalarAsync<long>($"select count(*) from signing.log_leaves where stream_id = '{stream}'"));

        var code = NewTenant();
        var next = Ok(await fx.Applications.SubmitAsync(code, Submit(Tenant(code), Doctor, RequestId())));
        var leaf = await log.FindAsync(code, next.ApplicationId, 1, default);
        Assert.NotNull(leaf);
        Assert.Equal(before, leaf.Index);
        await AssertLogMatchesEvents();
    }

    [Fact]
    public async Task Concurrent_single_and_group_committed_writers_get_dense_leaves_in_commit_order()
    {
        var codes = new[] { NewTenant(), NewTenant() };
        await using var gc = new GroupCommitSubmitter(new ApplicationStore(fx.Store), new GroupCommitOptions { MaxInFlight = 2 });
        // 8 writers × 50 submissions over 300 people: some submissions meet an open renewal another writer committed
        // (refused, or rolled back and resubmitted alone after a collision in a batch).
        var people = Enumerable.Range(0, 300).Select(i => new Applicant(
            Tckn.WithCheckDigits((200_000_000 + i * 7919).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            PersonName.Parse("Eşzamanlı Yazar"), ApplicantCategory.Doctor)).ToList();
        var written = 0;
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var code = codes[(w + i) % 2];
                var command = Submit(Tenant(code), people[(w * 37 + i * 11) % people.Count], RequestId());
                var result = w % 2 == 0 ? await gc.SubmitAsync(code, command) : await fx.Applications.SubmitAsync(code, command);
                if (result is { Ok: true, Value.WasRetry: false })
                    Interlocked.Increment(ref written);
            }
        })).ToList();
        await Task.WhenAll(writers);
        await AssertLogMatchesEvents();
        Assert.True(written > 100, $"{written} new applications");
        Assert.Equal(written, await ScalarAsync<long>($"select count(*) from signing.log_leaves where tenant_id in ('{codes[0]}', '{codes[1]}')"));
    }

    /// <summary>The stream's events 1..<paramref name="version"/> each have exactly one leaf, naming that event.</summary>
    private async Task AssertOneLeafPerEvent(Guid stream, long version)
    {
        var log = new TransparencyLog(fx.Store);
        var (tenant, count) = await RowAsync($"select min(tenant_id), count(*) from signing.mt_events where stream_id = '{stream}'", r => (r.GetString(0), r.GetInt64(1)));
        Assert.Equal(version, count);
        for (var v = 1; v <= version; v++)
        {
            var leaf = await log.FindAsync(tenant, stream, v, default);
            Assert.NotNull(leaf);
            var input = await log.LeafInputAsync(leaf.Index, default);
            Assert.Equal(leaf.LeafHash, MerkleHash.Leaf(input!.Input));
        }
    }

    /// <summary>
    /// The whole log against the whole event table: one leaf per event with the event's identity, indices 0..n-1,
    /// log_state's one row, and each transaction's leaves one contiguous run in seq_id order.
    /// </summary>
    private async Task AssertLogMatchesEvents()
    {
        var events = await ScalarAsync<long>("select count(*) from signing.mt_events");
        Assert.Equal(events, await ScalarAsync<long>("select count(*) from signing.log_leaves"));
        Assert.Equal(0, await ScalarAsync<long>("""
            select count(*) from signing.mt_events e left join signing.log_leaves l on l.seq_id = e.seq_id
            where l.seq_id is null or l.tenant_id <> e.tenant_id or l.stream_id <> e.stream_id or l.version <> e.version or l.event_type <> e.type
            """));
        Assert.Equal(events, await ScalarAsync<long>("select coalesce(max(leaf_index) + 1, 0) from signing.log_leaves"));
        Assert.Equal(events > 0 ? 1 : 0, await ScalarAsync<long>("select count(*) from signing.log_state where id = 1"));
        Assert.Equal(0, await ScalarAsync<long>("""
            select count(*) from (
              select xmin::text as tx, leaf_index, seq_id,
                     leaf_index - lag(leaf_index) over w as index_step, seq_id > lag(seq_id) over w as seq_rises
              from signing.log_leaves window w as (partition by xmin::text order by leaf_index)) runs
            where index_step <> 1 or not seq_rises
            """));
    }

    private async Task<T> ScalarAsync<T>(string sql) => await RowAsync(sql, r => r.GetFieldValue<T>(0));

    private async Task<T> RowAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        // As the auditor: log_state is the trigger's alone, the runtime role may not read it.
        await using var conn = new NpgsqlConnection(fx.Postgres.AuditConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return read(reader);
    }
}
