using Marten;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>Races settled by PostgreSQL, not by luck: optimistic versions, idempotent submissions, one open renewal.</summary>
[Collection(StoreCollection.Name)]
public class ConcurrencyTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    [Fact]
    public async Task Two_officers_approving_one_item_at_the_same_version_exactly_one_wins()
    {
        var code = NewTenant();
        var t = Tenant(code);
        // Several rounds so that some of them really meet at commit time, not only at the version pre-check.
        for (var round = 0; round < 6; round++)
        {
            var id = Ok(await _app.SubmitAsync(code, Submit(t, Doctors[round], RequestId()))).ApplicationId;
            var start = new TaskCompletionSource();
            var a = Task.Run(async () => { await start.Task; return await _app.HandleAsync(code, id, 1, Approve(t, Officer1)); });
            var b = Task.Run(async () => { await start.Task; return await _app.HandleAsync(code, id, 1, Reject(t, Officer2, "Eksik")); });
            start.SetResult();
            var results = await Task.WhenAll(a, b);

            Assert.Single(results, r => r.Ok);
            var loser = Assert.Single(results, r => !r.Ok);
            Assert.Equal(FailureKind.Concurrency, loser.Failure!.Kind);
            Assert.Equal(ErrorCodes.Concurrency, loser.Failure.Error.Code);

            // The stream holds exactly the winner's events, and the view agrees with it.
            await using var session = fx.Store.QuerySession(code);
            var events = await session.Events.FetchStreamAsync(id);
            var winner = results.Single(r => r.Ok).Value!;
            Assert.Equal(1 + winner.Events.Count, events.Count);
            var view = (await _app.GetAsync(code, id))!;
            Assert.Equal(winner.Events[^1] is ApplicationRejected ? ApplicationStatus.Rejected : ApplicationStatus.Approved, view.Status);
        }
    }

    [Fact]
    public async Task A_rival_commit_between_decision_and_commit_is_caught_by_PostgreSQL_as_a_concurrency_error()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var id = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId()))).ApplicationId;
        // Officer 1 has read version 1 and decided; before it commits, officer 2's rejection (also at version 1) lands.
        var slow = new ApplicationStore(fx.Store, new CommitHook { Before = async _ => Ok(await _app.HandleAsync(code, id, 1, Reject(t, Officer2, "Eksik"))) });
        var late = await slow.HandleAsync(code, id, 1, Approve(t, Officer1));
        Assert.Equal(FailureKind.Concurrency, late.Failure!.Kind);
        Assert.Equal(ErrorCodes.Concurrency, late.Failure.Error.Code);
        var view = (await _app.GetAsync(code, id))!;
        Assert.Equal(ApplicationStatus.Rejected, view.Status);
        Assert.Equal(2, view.Version);
    }

    [Fact]
    public async Task A_retried_submission_returns_the_same_application_and_one_stream()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var request = RequestId();
        var first = Ok(await _app.SubmitAsync(code, Submit(t, FpExpiring, request)));
        var retry = Ok(await _app.SubmitAsync(code, Submit(t, FpExpiring, request)));
        Assert.False(first.WasRetry);
        Assert.True(retry.WasRetry);
        Assert.Equal(first.ApplicationId, retry.ApplicationId);
        Assert.Equal(1, retry.Version);
        Assert.Single(await _app.ListMineAsync(FpExpiring.Tckn.Value, [code], 0, 10));
        Assert.Equal(1, await StreamsOf(code, FpExpiring));
    }

    [Fact]
    public async Task The_same_request_racing_itself_still_makes_one_stream()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var request = RequestId();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _app.SubmitAsync(code, Submit(t, Manager, request)))));
        Assert.All(results, r => Assert.True(r.Ok, r.Failure?.ToString() ?? ""));
        Assert.Single(results.Select(r => r.Value!.ApplicationId).Distinct());
        Assert.Equal(1, await StreamsOf(code, Manager));
    }

    [Fact]
    public async Task Concurrent_different_submissions_for_one_TCKN_only_one_is_open()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _app.SubmitAsync(code, Submit(t, Doctor, RequestId())))));
        var winner = Assert.Single(results, r => r.Ok);
        Assert.All(results.Where(r => !r.Ok), r =>
        {
            Assert.Equal(FailureKind.Conflict, r.Failure!.Kind);
            Assert.Equal(ErrorCodes.OpenRenewalExists, r.Failure.Error.Code);
        });
        Assert.Equal(1, await StreamsOf(code, Doctor));
        Assert.Equal(winner.Value!.ApplicationId, Assert.Single(await _app.ListMineAsync(Doctor.Tckn.Value, [code], 0, 10)).Id);
    }

    private async Task<int> StreamsOf(string tenant, Applicant a)
    {
        await using var session = fx.Store.QuerySession(tenant);
        var submitted = await session.Events.QueryRawEventDataOnly<RenewalSubmitted>().Where(e => e.ApplicantTckn == a.Tckn.Value).ToListAsync();
        return submitted.Select(e => e.ApplicationId).Distinct().Count();
    }
}

[Collection(StoreCollection.Name)]
public class TenancyTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;
    private static readonly TenantSettings Mersin = TenantSettings.Mersin([Officer1, Officer2]);

    [Fact]
    public async Task Adanas_officer_never_sees_or_touches_Mersins_items()
    {
        var mersinItem = Ok(await _app.SubmitAsync("33", Submit(Mersin, Doctor, RequestId()))).ApplicationId;
        // The same person may have an open renewal in each directorate: uniqueness is per tenant.
        var adanaItem = Ok(await _app.SubmitAsync("01", Submit(Adana, Doctor, RequestId()))).ApplicationId;

        var adanaQueue = await _app.ListQueueAsync("01", null, ApplicationStore.MaxPageSize);
        Assert.Contains(adanaQueue.Items, i => i.Id == adanaItem);
        Assert.DoesNotContain(adanaQueue.Items, i => i.Id == mersinItem);
        Assert.All(adanaQueue.Items, i => Assert.Equal("01", i.Tenant));
        Assert.Contains((await _app.ListQueueAsync("33", null, ApplicationStore.MaxPageSize)).Items, i => i.Id == mersinItem);

        Assert.Null(await _app.GetAsync("01", mersinItem));
        Assert.DoesNotContain(await _app.ListMineAsync(Doctor.Tckn.Value, ["01"], 0, 10), v => v.Id == mersinItem);

        var viaAdana = await _app.HandleAsync("01", mersinItem, 1, Approve(Adana, OfficerAdana));
        Assert.Equal(FailureKind.NotFound, viaAdana.Failure!.Kind);
        var adanaOfficerOnMersinTenant = await _app.HandleAsync("33", mersinItem, 1, Approve(Adana, OfficerAdana));
        Assert.Equal(ErrorCodes.WrongTenant, adanaOfficerOnMersinTenant.Failure!.Error.Code);

        Ok(await _app.HandleAsync("01", adanaItem, 1, Approve(Adana, OfficerAdana)));
        Assert.Equal(ApplicationStatus.AwaitingApproval, (await _app.GetAsync("33", mersinItem))!.Status);
    }
}
