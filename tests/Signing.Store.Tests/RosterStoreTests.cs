using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

[Collection(StoreCollection.Name)]
public class RosterStoreTests(StoreFixture fx)
{
    private readonly RosterStore _roster = new(fx.Store);

    private static RosterEntry Entry(Applicant who, StaffCategory category, bool active = true, string? email = "kisi@saglik.gov.tr") =>
        new(who.Tckn, who.Name.Full, category, "Mersin Şehir Hastanesi", email, "+905321234567", active);

    private static RosterImport Import(string tenant, IReadOnlyList<RosterEntry> entries, bool complete = false, DateTimeOffset? at = null) =>
        new(tenant, entries, complete, "staff.csv", "officer:test", entries.Count, 0, at ?? Now);

    private static readonly RosterEntry[] Staff =
    [
        Entry(Doctor, StaffCategory.Doctor), Entry(Manager, StaffCategory.Manager),
        Entry(FpExpiring, StaffCategory.FamilyPhysician), Entry(Individual, StaffCategory.OtherStaff, email: null),
    ];

    /// <summary>Every row's version and the tenant's event count: what a write that changes nothing must leave as it was.</summary>
    private async Task<(string Versions, long Events)> FootprintAsync(string tenant)
    {
        await using var connection = new NpgsqlConnection(fx.ConnectionString);
        await connection.OpenAsync();
        await using var versions = new NpgsqlCommand(
            "select coalesce(string_agg(id || ':' || mt_version::text || ':' || mt_last_modified::text, ',' order by id), '') from signing.mt_doc_rostermember where tenant_id = @t",
            connection);
        versions.Parameters.AddWithValue("t", tenant);
        await using var events = new NpgsqlCommand("select count(*) from signing.mt_events where tenant_id = @t", connection);
        events.Parameters.AddWithValue("t", tenant);
        return ((string)(await versions.ExecuteScalarAsync())!, (long)(await events.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_same_import_twice_writes_nothing_the_second_time()
    {
        var tenant = NewTenant();
        var first = await _roster.ImportAsync(Import(tenant, Staff));
        Assert.Equal(new RosterImportResult(4, 0, 0, 0, Written: true), first);
        var before = await FootprintAsync(tenant);
        Assert.Equal(1, before.Events);

        var second = await _roster.ImportAsync(Import(tenant, Staff, at: Now.AddDays(1)));
        Assert.Equal(new RosterImportResult(0, 0, 0, 4, Written: false), second);
        Assert.Equal(before, await FootprintAsync(tenant));

        var member = await _roster.FindAsync(tenant, FpExpiring.Tckn.Value);
        Assert.Equal(StaffCategory.FamilyPhysician, member!.Category);
        Assert.Null((await _roster.FindAsync(tenant, Individual.Tckn.Value))!.Email);
    }

    [Fact]
    public async Task A_changed_row_is_written_alone_and_recorded()
    {
        var tenant = NewTenant();
        await _roster.ImportAsync(Import(tenant, Staff));
        var result = await _roster.ImportAsync(Import(tenant, [Staff[0] with { Category = StaffCategory.FamilyPhysician }, Staff[1]]));
        Assert.Equal(new RosterImportResult(0, 1, 0, 1, Written: true), result);
        Assert.Equal(StaffCategory.FamilyPhysician, (await _roster.FindAsync(tenant, Doctor.Tckn.Value))!.Category);

        await using var session = fx.Store.QuerySession(tenant);
        var recorded = (await session.Events.FetchStreamAsync(RosterStore.StreamId(tenant))).Select(e => e.Data).OfType<RosterImported>().ToList();
        Assert.Equal(2, recorded.Count);
        Assert.Equal((0, 1, 1, "staff.csv", "officer:test"), (recorded[1].Added, recorded[1].Changed, recorded[1].Unchanged, recorded[1].Source, recorded[1].ImportedBy));
    }

    [Fact]
    public async Task A_partial_import_leaves_people_it_does_not_name_alone_and_a_complete_one_deactivates_them()
    {
        var tenant = NewTenant();
        await _roster.ImportAsync(Import(tenant, Staff));
        Assert.Equal(new RosterImportResult(0, 0, 0, 2, Written: false), await _roster.ImportAsync(Import(tenant, Staff[..2])));
        Assert.Equal(4, await _roster.CountAsync(tenant, activeOnly: true));

        var later = Now.AddDays(3);
        var complete = await _roster.ImportAsync(Import(tenant, Staff[..2], complete: true, at: later));
        Assert.Equal(new RosterImportResult(0, 0, 2, 2, Written: true), complete);
        var gone = (await _roster.FindAsync(tenant, FpExpiring.Tckn.Value))!;
        Assert.False(gone.Active);
        Assert.Equal(later, gone.DeactivatedAt);
        Assert.Equal(2, await _roster.CountAsync(tenant, activeOnly: true));

        // Again: the deactivated stay so, with their first deactivation date, and nothing is written.
        var before = await FootprintAsync(tenant);
        Assert.Equal(new RosterImportResult(0, 0, 0, 2, Written: false), await _roster.ImportAsync(Import(tenant, Staff[..2], complete: true, at: later.AddDays(1))));
        Assert.Equal(before, await FootprintAsync(tenant));

        // Back on the list: reactivated, the deactivation date cleared.
        Assert.Equal(new RosterImportResult(0, 1, 0, 2, Written: true), await _roster.ImportAsync(Import(tenant, Staff[..3], complete: true, at: later.AddDays(2))));
        var back = (await _roster.FindAsync(tenant, FpExpiring.Tckn.Value))!;
        Assert.True(back.Active);
        Assert.Null(back.DeactivatedAt);
    }

    [Fact]
    public async Task A_row_marked_inactive_deactivates_and_keeps_its_first_date()
    {
        var tenant = NewTenant();
        await _roster.ImportAsync(Import(tenant, Staff));
        Assert.Equal(new RosterImportResult(0, 0, 1, 0, Written: true),
            await _roster.ImportAsync(Import(tenant, [Staff[0] with { Active = false }], at: Now.AddDays(1))));
        Assert.Equal(new RosterImportResult(0, 0, 0, 1, Written: false),
            await _roster.ImportAsync(Import(tenant, [Staff[0] with { Active = false }], at: Now.AddDays(2))));
        Assert.Equal(Now.AddDays(1), (await _roster.FindAsync(tenant, Doctor.Tckn.Value))!.DeactivatedAt);
    }

    [Fact]
    public async Task Contacts_of_people_deactivated_before_the_cutoff_are_erased_and_stay_erased()
    {
        var tenant = NewTenant();
        var t0 = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await _roster.ImportAsync(Import(tenant, Staff, at: t0));
        await _roster.ImportAsync(Import(tenant, [Staff[0] with { Active = false }], at: t0.AddDays(10)));
        await _roster.ImportAsync(Import(tenant, [Staff[1] with { Active = false }], at: t0.AddDays(100)));

        var sweep = t0.AddDays(200);
        var erased = await _roster.EraseStaleContactsAsync(cutoff: t0.AddDays(50), now: sweep);
        Assert.True(erased >= 1);
        var old = (await _roster.FindAsync(tenant, Doctor.Tckn.Value))!;
        Assert.Equal((null, null, sweep), (old.Email, old.Phone, old.ContactErasedAt));
        Assert.Equal("Ayşe Yılmaz", old.Name);
        var recent = (await _roster.FindAsync(tenant, Manager.Tckn.Value))!;
        Assert.Equal(("kisi@saglik.gov.tr", (DateTimeOffset?)null), (recent.Email, recent.ContactErasedAt));
        Assert.NotNull((await _roster.FindAsync(tenant, FpExpiring.Tckn.Value))!.Email);

        // The HR file still lists the person as deactivated with contact data: it is not taken back, and nothing is written.
        var before = await FootprintAsync(tenant);
        Assert.Equal(new RosterImportResult(0, 0, 0, 1, Written: false),
            await _roster.ImportAsync(Import(tenant, [Staff[0] with { Active = false }], at: sweep.AddDays(1))));
        Assert.Equal(before, await FootprintAsync(tenant));
        // A second sweep finds nothing more of this tenant to erase.
        await _roster.EraseStaleContactsAsync(cutoff: t0.AddDays(50), now: sweep.AddDays(1));
        Assert.Equal(sweep, (await _roster.FindAsync(tenant, Doctor.Tckn.Value))!.ContactErasedAt);
    }
}
