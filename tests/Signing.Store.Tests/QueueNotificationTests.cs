using System.Threading.Channels;
using Npgsql;
using Signing.Domain;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// Every write that changes an application notifies PostgreSQL's <see cref="QueueNotifications.Channel"/> in its own
/// transaction: heard by a real LISTEN connection on the store's database, and only for what was committed.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class QueueNotificationTests(StoreFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly ApplicationStore _app = fixture.Applications;
    private readonly Channel<QueueNotifications.Notice> _heard = Channel.CreateUnbounded<QueueNotifications.Notice>();
    private NpgsqlConnection _listener = null!;
    private CancellationTokenSource _stop = null!;
    private Task _waiting = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _stop = new CancellationTokenSource();
        _listener = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Pooling = false }.ConnectionString);
        _listener.Notification += (_, e) =>
        {
            if (QueueNotifications.Parse(e.Payload) is { } notice)
                _heard.Writer.TryWrite(notice);
        };
        await _listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN " + QueueNotifications.Channel, _listener))
            await listen.ExecuteNonQueryAsync();
        _waiting = Task.Run(async () =>
        {
            try
            {
                while (true)
                    await _listener.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _waiting;
        await _listener.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>The next notice of <paramref name="tenant"/> (other tests of the collection write other tenants meanwhile).</summary>
    private async Task<QueueNotifications.Notice> NextAsync(string tenant)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            var notice = await _heard.Reader.ReadAsync(guard.Token);
            if (notice.Tenant == tenant)
                return notice;
        }
    }

    [Fact]
    public async Task A_submission_a_decision_and_a_withdrawal_each_notify_once_with_their_kind_and_refusals_say_nothing()
    {
        var code = NewTenant();
        var t = Tenant(code, approvals: 2);
        var submitted = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId()))).ApplicationId;
        Assert.Equal([new QueueNotifications.Entry(submitted, QueueNotifications.ChangeKind.Submitted)], (await NextAsync(code)).Entries);

        // Refused writes commit nothing, so they notify nothing: the next notice is the first approval's.
        Assert.False((await _app.SubmitAsync(code, Submit(t, Doctor, RequestId()))).Ok);
        Assert.False((await _app.HandleAsync(code, submitted, 7, Approve(t, Officer1))).Ok);
        Ok(await _app.HandleAsync(code, submitted, 1, Approve(t, Officer1)));
        Assert.Equal([new QueueNotifications.Entry(submitted, QueueNotifications.ChangeKind.Changed)], (await NextAsync(code)).Entries);
        Ok(await _app.HandleAsync(code, submitted, 2, Approve(t, Officer2)));
        Assert.Equal([new QueueNotifications.Entry(submitted, QueueNotifications.ChangeKind.Closed)], (await NextAsync(code)).Entries);

        var withdrawn = Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId()))).ApplicationId;
        Assert.Equal(QueueNotifications.ChangeKind.Submitted, (await NextAsync(code)).Entries.Single().Kind);
        Ok(await _app.HandleAsync(code, withdrawn, 1, new Withdraw(Doctor2.Tckn, "Vazgeçtim", Now.AddHours(1))));
        Assert.Equal([new QueueNotifications.Entry(withdrawn, QueueNotifications.ChangeKind.Closed)], (await NextAsync(code)).Entries);
    }

    [Fact]
    public async Task A_group_commit_notifies_every_written_application_once_in_one_notice_per_transaction()
    {
        var code = NewTenant();
        var t = Tenant(code);
        await using var group = new GroupCommitSubmitter(_app, new GroupCommitOptions { MaxInFlight = 1, MaxWaitMicroseconds = 20_000 });
        var written = await Task.WhenAll(Doctors.Select(d => group.SubmitAsync(code, Submit(t, d, RequestId()))));
        var ids = written.Select(r => Ok(r).ApplicationId).ToHashSet();
        var heard = new List<QueueNotifications.Entry>();
        var notices = 0;
        while (heard.Count < ids.Count)
        {
            heard.AddRange((await NextAsync(code)).Entries);
            notices++;
        }
        Assert.Equal(ids.Order(), heard.Select(e => e.ApplicationId).Order());
        Assert.All(heard, e => Assert.Equal(QueueNotifications.ChangeKind.Submitted, e.Kind));
        Assert.True(notices <= group.Batches, $"{notices} notices for {group.Batches} batches");
    }

    [Fact]
    public void Payloads_stay_under_PostgreSQLs_limit_and_read_back_exactly()
    {
        var entries = Enumerable.Range(0, 700).Select(i => new QueueNotifications.Entry(Guid.NewGuid(), (QueueNotifications.ChangeKind)"SCU"[i % 3])).ToList();
        var payloads = QueueNotifications.Payloads("33", entries).ToList();
        // A full default group-commit batch (256) fits in one notification; 700 need a few.
        Assert.Single(QueueNotifications.Payloads("33", entries.Take(256)));
        Assert.InRange(payloads.Count, 2, 4);
        Assert.All(payloads, p => Assert.True(System.Text.Encoding.UTF8.GetByteCount(p) < 8000, p.Length.ToString()));
        var read = payloads.Select(p => QueueNotifications.Parse(p)!).ToList();
        Assert.All(read, n => Assert.Equal("33", n.Tenant));
        Assert.Equal(entries, read.SelectMany(n => n.Entries));
        Assert.Empty(QueueNotifications.Payloads("33", []));
        Assert.Null(QueueNotifications.Parse("33 Xnot-an-entry"));
        Assert.Null(QueueNotifications.Parse(""));
        // The payload is sent as a NOTIFY literal: a tenant code that could leave it is refused.
        Assert.Throws<ArgumentException>(() => QueueNotifications.Payloads("3'3", entries).ToList());
    }
}
