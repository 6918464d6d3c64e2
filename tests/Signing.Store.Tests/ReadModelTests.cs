using Marten;
using Marten.Linq.MatchesSql;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

[Collection(StoreCollection.Name)]
public class ReadModelTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    [Fact]
    public async Task Queue_is_oldest_first_and_keyset_pages_cover_every_item_once()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var ids = new List<Guid>();
        // Submitted newest first, so the order can only come from QueuedAt.
        for (var i = 0; i < Doctors.Length; i++)
            ids.Add(Ok(await _app.SubmitAsync(code, Submit(t, Doctors[i], RequestId(), at: Now.AddMinutes(-i)))).ApplicationId);
        ids.Reverse();

        var seen = new List<Guid>();
        QueueCursor? cursor = null;
        var pages = 0;
        do
        {
            var page = await _app.ListQueueAsync(code, cursor, 4);
            seen.AddRange(page.Items.Select(x => x.Id));
            cursor = page.Next;
            pages++;
        } while (cursor is not null);
        Assert.Equal(ids, seen);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task Queue_filters_by_category_and_readiness()
    {
        var code = NewTenant();
        var t = Tenant(code);
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId())));
        var fp = Ok(await _app.SubmitAsync(code, Submit(t, FpExpiring, RequestId()))).ApplicationId;
        Ok(await _app.SubmitAsync(code, Submit(t, Manager, RequestId(), new Confirmation.Wet())));

        Assert.Equal(3, (await _app.ListQueueAsync(code, null, 10)).Items.Count);
        Assert.Equal([fp], (await _app.ListQueueAsync(code, null, 10, new QueueFilter(ApplicantCategory.FamilyPhysician))).Items.Select(i => i.Id));
        Assert.Equal([Doctor.Tckn.Value], (await _app.ListQueueAsync(code, null, 10, new QueueFilter(ReadyOnly: true))).Items.Select(i => i.ApplicantTckn));
    }

    [Fact]
    public async Task Expiring_list_holds_holders_within_90_days_from_applications_and_checks_soonest_first()
    {
        var code = NewTenant();
        var t = Tenant(code);
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId(), notAfter: Now.AddDays(60))));
        Ok(await _app.SubmitAsync(code, Submit(t, FpExpired, RequestId(), new Confirmation.Wet(), notAfter: Now.AddDays(-10))));
        await _app.RecordCertificateSeenAsync(code, new CertificateSeen(Manager.Tckn.Value, Manager.Name.Full, ApplicantCategory.Manager, Now.AddDays(20), "aa".PadRight(64, 'b'), Now));
        await _app.RecordCertificateSeenAsync(code, new CertificateSeen(Doctor2.Tckn.Value, Doctor2.Name.Full, null, Now.AddDays(400), "cc".PadRight(64, 'd'), Now));
        await _app.RecordCertificateSeenAsync(code, new CertificateSeen(Individual.Tckn.Value, Individual.Name.Full, ApplicantCategory.Individual, Now.AddDays(89), "ee".PadRight(64, 'f'), Now));

        var first = await _app.ListExpiringAsync(code, Now, 90, null, 2);
        Assert.Equal([Manager.Tckn.Value, Doctor.Tckn.Value], first.Items.Select(h => h.Tckn));
        var second = await _app.ListExpiringAsync(code, Now, 90, first.Next, 2);
        Assert.Equal([Individual.Tckn.Value], second.Items.Select(h => h.Tckn));
        Assert.Null(second.Next);
        Assert.Empty((await _app.ListExpiringAsync("01" + code, Now, 90, null, 10)).Items);
    }

    [Fact]
    public async Task Stats_count_applications_per_state_per_tenant()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var a = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId()))).ApplicationId;
        Ok(await _app.SubmitAsync(code, Submit(t, Manager, RequestId())));
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId(), new Confirmation.Wet())));
        Ok(await _app.HandleAsync(code, a, 1, Approve(t, Officer1)));

        var stats = await _app.GetStatsAsync(code);
        Assert.Equal(1, stats.Counts[ApplicationStatus.Approved]);
        Assert.Equal(1, stats.Counts[ApplicationStatus.AwaitingApproval]);
        Assert.Equal(1, stats.Counts[ApplicationStatus.AwaitingPaper]);
        Assert.Equal(3, stats.Total);
        Assert.Equal(0, (await _app.GetStatsAsync(NewTenant())).Total);
    }

    [Fact]
    public async Task Queue_page_query_walks_the_tenant_keyset_index()
    {
        // With a handful of rows PostgreSQL would rather scan the table; forbid that to see that the index serves the query.
        await using var session = fx.Store.LightweightSession("33");
        var cmd = session.Query<ApplicationView>().Where(x => x.QueuedAt != null)
            .Where(x => x.MatchesSql("(d.queued_at, d.id) > (?, ?)", Now.ToUniversalTime(), Guid.Empty))
            .OrderBy(x => x.QueuedAt).ThenBy(x => x.Id).Take(51).ToCommand();
        var conn = (Npgsql.NpgsqlConnection)session.Connection!;
        await using (var off = new Npgsql.NpgsqlCommand("set enable_seqscan = off", conn))
            await off.ExecuteNonQueryAsync();
        cmd.Connection = conn;
        cmd.CommandText = "explain " + cmd.CommandText;
        var plan = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                plan.Add(reader.GetString(0));
        var text = string.Join('\n', plan);
        await using (var idx = new Npgsql.NpgsqlCommand("select indexdef from pg_indexes where indexname = 'ix_signing_queue_keyset'", conn))
        await using (var r2 = await idx.ExecuteReaderAsync())
            while (await r2.ReadAsync())
                text += "\n" + r2.GetString(0);
        Assert.Contains("ix_signing_queue_keyset", text);
        Assert.Contains("(tenant_id, queued_at, id) WHERE (queued_at IS NOT NULL)", text); // partial: only what waits on the officer
        Assert.False(text.Contains("Sort"), text + "\n" + cmd.CommandText); // the index order is the page order: no sort of the whole tenant's queue
    }
}

[Collection(StoreCollection.Name)]
public class ProjectionRebuildTests(StoreFixture fx)
{
    [Fact]
    public async Task Rebuilding_the_projections_gives_back_the_live_documents()
    {
        var app = fx.Applications;
        var code = NewTenant();
        var t = Tenant(code, approvals: 2);
        var a = Ok(await app.SubmitAsync(code, Submit(t, Doctor, RequestId()))).ApplicationId;
        var b = Ok(await app.SubmitAsync(code, Submit(t, FpExpired, RequestId(), new Confirmation.Wet(), notAfter: Now.AddDays(-10)))).ApplicationId;
        Ok(await app.SubmitAsync(code, Submit(t, Individual, RequestId())));
        Ok(await app.HandleAsync(code, a, 1, Approve(t, Officer1)));
        Ok(await app.HandleAsync(code, b, 1, new RegisterPaper(t, Officer2, 2, Now)));
        await app.RecordCertificateSeenAsync(code, new CertificateSeen(Manager.Tckn.Value, Manager.Name.Full, ApplicantCategory.Manager, Now.AddDays(20), "aa".PadRight(64, 'b'), Now));

        var before = await Snapshot(code);
        Assert.Equal(3, before.Views.Count);
        Assert.Equal(2, before.Queue.Count);

        // A rebuild is an operator's maintenance (it truncates the projections' tables): the owner runs it, not the server's role.
        using (var owner = SigningStore.CreateMaintenanceStore(fx.OwnerConnectionString))
        using (var daemon = await owner.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync<ApplicationViewProjection>(CancellationToken.None);
            await daemon.RebuildProjectionAsync<CertificateHolderProjection>(CancellationToken.None);
        }

        var after = await Snapshot(code);
        Assert.Equal(before.Views, after.Views);
        Assert.Equal(before.Queue, after.Queue);
        Assert.Equal(before.Holders, after.Holders);
    }

    private async Task<(List<string> Views, List<string> Queue, List<string> Holders)> Snapshot(string tenant)
    {
        await using var session = fx.Store.QuerySession(tenant);
        var views = await session.Query<ApplicationView>().OrderBy(x => x.Id).ToListAsync();
        var queue = (await fx.Applications.ListQueueAsync(tenant, null, ApplicationStore.MaxPageSize)).Items.OrderBy(x => x.Id).ToList();
        var holders = await session.Query<CertificateHolder>().OrderBy(x => x.Id).ToListAsync();
        return (views.Select(Json).ToList(), queue.Select(Json).ToList(), holders.Select(Json).ToList());
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);
}
