using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>
/// Signed material and receipts are single-use across applications, tenants and server nodes, held by a unique
/// constraint in PostgreSQL; idempotency matches the submitter and the content. Refused calls write nothing.
/// </summary>
[Collection(StoreCollection.Name)]
public class SingleUseStoreTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    [Fact]
    public async Task An_e_Onay_confirmation_reused_after_a_withdrawal_is_refused_in_any_directorate_and_writes_nothing()
    {
        var (a, b) = (NewTenant(), NewTenant());
        var nonce = "nonce-" + Guid.NewGuid().ToString("N");
        var first = Ok(await _app.SubmitAsync(a, Submit(Tenant(a), Doctor, RequestId(), EOnay(Doctor, nonce))));
        Ok(await _app.HandleAsync(a, first.ApplicationId, first.Version, new Withdraw(Doctor.Tckn, "Vazgeçtim", Now.AddHours(1))));
        var before = await EventCount();

        var again = await _app.SubmitAsync(a, Submit(Tenant(a), Doctor, RequestId(), EOnay(Doctor, nonce)));
        var elsewhere = await _app.SubmitAsync(b, Submit(Tenant(b), Doctor, RequestId(), EOnay(Doctor, nonce)));

        Assert.Equal(ErrorCodes.SignedMaterialReused, again.Failure?.Error.Code);
        Assert.Equal(ErrorCodes.SignedMaterialReused, elsewhere.Failure?.Error.Code);
        Assert.Null(again.Failure!.ExistingApplicationId);
        Assert.Equal(before, await EventCount());
        // A new confirmation is the way out.
        Ok(await _app.SubmitAsync(a, Submit(Tenant(a), Doctor, RequestId(), EOnay(Doctor, nonce + "-new"))));
    }

    [Fact]
    public async Task Two_submitters_with_one_request_id_each_get_their_own_application()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var doctor = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, "shared-id")));
        var manager = Ok(await _app.SubmitAsync(code, Submit(t, Manager, "shared-id")));

        Assert.False(manager.WasRetry);
        Assert.NotEqual(doctor.ApplicationId, manager.ApplicationId);
        Assert.Equal(Manager.Tckn.Value, (await _app.GetAsync(code, manager.ApplicationId))!.ApplicantTckn);
        Assert.True(Ok(await _app.SubmitAsync(code, Submit(t, Doctor, "shared-id"))).WasRetry);
        var before = await EventCount();
        var reused = await _app.SubmitAsync(code, Submit(t, Doctor, "shared-id") with { ContentSha256 = new string('0', 64) });
        Assert.Equal(ErrorCodes.RequestIdReused, reused.Failure?.Error.Code);
        Assert.Equal(FailureKind.Conflict, reused.Failure!.Kind);
        Assert.Null(reused.Failure.ExistingApplicationId);
        Assert.Equal(before, await EventCount());
    }

    [Fact]
    public async Task Two_nodes_group_committing_the_same_signed_forms_at_once_accept_each_exactly_once()
    {
        // Two server nodes: two Marten stores and two group committers on one database. Each form is submitted on both
        // nodes at once, in two directorates (so no open-renewal guard meets them): only the single-use claim can.
        await using var otherStore = SigningStore.CreateDocumentStore(fx.ConnectionString);
        await using var node1 = new GroupCommitSubmitter(new ApplicationStore(fx.Store), new GroupCommitOptions());
        await using var node2 = new GroupCommitSubmitter(new ApplicationStore(otherStore), new GroupCommitOptions());
        var (a, b) = (NewTenant(), NewTenant());
        var people = Enumerable.Range(0, 24).Select(i => new Applicant(
            Tckn.WithCheckDigits((500_000_000 + Environment.ProcessId % 1000 * 1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            PersonName.Parse("Deneme Kişi"), ApplicantCategory.Doctor)).ToList();
        var forms = people.Select(p => ESignedOnce(p, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()).PadRight(64, '0'))).ToList();
        var before = await EventCount();

        var calls = people.SelectMany((p, i) => new[]
        {
            Task.Run(() => node1.SubmitAsync(a, Submit(Tenant(a), p, RequestId(), forms[i]))),
            Task.Run(() => node2.SubmitAsync(b, Submit(Tenant(b), p, RequestId(), forms[i]))),
        }).ToList();
        var results = await Task.WhenAll(calls);

        for (var i = 0; i < people.Count; i++)
        {
            var pair = new[] { results[2 * i], results[2 * i + 1] };
            Assert.Single(pair, r => r.Ok);
            var refused = Assert.Single(pair, r => !r.Ok);
            Assert.Equal(ErrorCodes.SignedMaterialReused, refused.Failure!.Error.Code);
        }
        Assert.Equal(before + people.Count, await EventCount());
        Assert.Equal(people.Count, await ClaimsOf(forms.Select(f => SingleUse.Of(f)!.Key)));
    }

    [Fact]
    public async Task A_receipt_attached_to_one_application_is_refused_for_another_by_file_and_by_transfer()
    {
        var (a, b) = (NewTenant(), NewTenant());
        var first = await Queued(a, FpExpiring);
        var second = await Queued(b, FpExpiring);
        var receipt = ReceiptOf(FpExpiring, Tenant(a)) with { FileSha256 = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()).PadRight(64, 'a') };
        Ok(await _app.HandleAsync(a, first.ApplicationId, first.Version, new AttachReceipt(receipt, Now.AddHours(1))));
        var before = await EventCount();

        var sameFile = await _app.HandleAsync(b, second.ApplicationId, second.Version,
            new AttachReceipt(receipt with { PaidOn = receipt.PaidOn.AddDays(-1) }, Now.AddHours(1)));
        var sameTransfer = await _app.HandleAsync(b, second.ApplicationId, second.Version,
            new AttachReceipt(receipt with { FileSha256 = new string('d', 64), Description = receipt.Description.ToLower(TurkishText.Culture) }, Now.AddHours(1)));

        Assert.Equal(ErrorCodes.ReceiptAlreadyAttached, sameFile.Failure?.Error.Code);
        Assert.Equal(ErrorCodes.ReceiptAlreadyAttached, sameTransfer.Failure?.Error.Code);
        Assert.Equal(before, await EventCount());
        // The same receipt again on its own application is not "another application's".
        var view = (await _app.GetAsync(a, first.ApplicationId))!;
        Assert.NotEqual(ErrorCodes.ReceiptAlreadyAttached, (await _app.HandleAsync(a, first.ApplicationId, view.Version,
            new AttachReceipt(receipt, Now.AddHours(2)))).Failure?.Error.Code);
    }

    private async Task<WriteResult> Queued(string tenant, Applicant a) => Ok(await _app.SubmitAsync(tenant, Submit(Tenant(tenant), a, RequestId())));

    /// <summary>
    /// Application events in the store, all tenants. Marten's tombstones are left out: a transaction that lost a race
    /// in PostgreSQL leaves them to fill its sequence numbers; they belong to no stream and no application.
    /// </summary>
    private async Task<long> EventCount()
    {
        await using var connection = new NpgsqlConnection(fx.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {SigningStore.Schema}.mt_events where type <> 'tombstone'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> ClaimsOf(IEnumerable<string> keys)
    {
        await using var connection = new NpgsqlConnection(fx.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {SigningStore.Schema}.single_use_claims where key = any(@keys)", connection);
        command.Parameters.AddWithValue("keys", keys.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
