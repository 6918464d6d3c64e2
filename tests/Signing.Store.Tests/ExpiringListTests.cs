using Marten;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

[Collection(StoreCollection.Name)]
public class ExpiringListTests(StoreFixture fx)
{
    private readonly ApplicationStore _app = fx.Applications;

    private static string Person(int i) => Tckn.WithCheckDigits((100_000_000 + i).ToString("000000000")).Value;

    private async Task SeeAsync(string tenant, string tckn, DateTimeOffset notAfter, ApplicantCategory? category = ApplicantCategory.Doctor, string? name = null) =>
        await _app.RecordCertificateSeenAsync(tenant, new CertificateSeen(tckn, name ?? "Kişi " + tckn[..4], category, notAfter, tckn.PadRight(64, 'a'), Now));

    private async Task RosterAsync(string tenant, params RosterMember[] members)
    {
        await using var session = fx.Store.LightweightSession(tenant);
        session.Store(members);
        await session.SaveChangesAsync();
    }

    private static RosterMember Member(string tckn, StaffCategory category, bool active = true, string institution = "Mersin Şehir Hastanesi") =>
        new() { Id = tckn, Name = "İlknur Işık", Category = category, Institution = institution, Email = "ilknur@example.org", Active = active, UpdatedAt = Now };

    private async Task<List<ExpiringEntry>> AllAsync(string tenant, int within, StaffCategory? category = null, int pageSize = 200)
    {
        var all = new List<ExpiringEntry>();
        ExpiringCursor? cursor = null;
        do
        {
            var page = await _app.ListExpiringAsync(tenant, Now, within, cursor, pageSize, category);
            all.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        return all;
    }

    [Fact]
    public async Task The_window_holds_certificates_ending_after_now_and_at_most_N_days_ahead()
    {
        var code = NewTenant();
        await SeeAsync(code, Person(1), Now);
        await SeeAsync(code, Person(2), Now.AddSeconds(1));
        await SeeAsync(code, Person(3), Now.AddDays(30));
        await SeeAsync(code, Person(4), Now.AddDays(30).AddSeconds(1));
        await SeeAsync(code, Person(5), Now.AddDays(-3));
        await SeeAsync(code, Person(6), Now.AddDays(365));

        Assert.Equal([Person(2), Person(3)], (await AllAsync(code, 30)).Select(e => e.Tckn));
        Assert.Equal([Person(2), Person(3), Person(4), Person(6)], (await AllAsync(code, 365)).Select(e => e.Tckn));
        Assert.Equal([Person(2)], (await AllAsync(code, 1)).Select(e => e.Tckn));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _app.ListExpiringAsync(code, Now, 0, null, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _app.ListExpiringAsync(code, Now, 366, null, 10));
    }

    [Fact]
    public async Task The_roster_gives_name_category_and_institution_and_leaves_out_those_who_left()
    {
        var code = NewTenant();
        await SeeAsync(code, Person(1), Now.AddDays(10), ApplicantCategory.Doctor, "Eski Ad");
        await SeeAsync(code, Person(2), Now.AddDays(20), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(3), Now.AddDays(30), ApplicantCategory.Individual, "Ömer Güneş");
        await SeeAsync(code, Person(4), Now.AddDays(40), null, "Kimliği Belirsiz");
        await RosterAsync(code, Member(Person(1), StaffCategory.FamilyPhysician), Member(Person(2), StaffCategory.Doctor, active: false),
            Member(Person(9), StaffCategory.Manager));

        var list = await AllAsync(code, 90);

        Assert.Equal([Person(1), Person(3), Person(4)], list.Select(e => e.Tckn));
        var onRoster = list[0];
        Assert.True(onRoster.OnRoster);
        Assert.Equal(StaffCategory.FamilyPhysician, onRoster.Category);
        Assert.Equal("İlknur Işık", onRoster.Name);
        Assert.Equal("Mersin Şehir Hastanesi", onRoster.Institution);
        var individual = list[1];
        Assert.False(individual.OnRoster);
        Assert.Equal(StaffCategory.OtherStaff, individual.Category);
        Assert.Equal("Ömer Güneş", individual.Name);
        Assert.Null(individual.Institution);
        Assert.Null(list[2].Category);
        Assert.Equal(Now.AddDays(10), list[0].NotAfter);
    }

    [Fact]
    public async Task An_open_renewal_shows_with_its_status_and_a_closed_one_does_not()
    {
        var code = NewTenant();
        var t = Tenant(code);
        var open = Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId(), notAfter: Now.AddDays(20)))).ApplicationId;
        var paper = Ok(await _app.SubmitAsync(code, Submit(t, Manager, RequestId(), new Confirmation.Wet(), notAfter: Now.AddDays(25)))).ApplicationId;
        var rejected = Ok(await _app.SubmitAsync(code, Submit(t, Doctor2, RequestId(), notAfter: Now.AddDays(30)))).ApplicationId;
        Ok(await _app.HandleAsync(code, rejected, 1, Reject(t, Officer1, "eksik belge")));
        await using (var session = fx.Store.LightweightSession(code))
        {
            var holder = await session.LoadAsync<CertificateHolder>(Doctor2.Tckn.Value);
            session.Store(holder! with { ReminderStage = 30 });
            await session.SaveChangesAsync();
        }

        var list = await AllAsync(code, 90);

        Assert.Equal([Doctor.Tckn.Value, Manager.Tckn.Value, Doctor2.Tckn.Value], list.Select(e => e.Tckn));
        Assert.Equal((open, ApplicationStatus.AwaitingApproval), (list[0].RenewalApplicationId!.Value, list[0].RenewalStatus!.Value));
        Assert.Equal((paper, ApplicationStatus.AwaitingPaper), (list[1].RenewalApplicationId!.Value, list[1].RenewalStatus!.Value));
        Assert.True(list[0].RenewalOpen);
        Assert.False(list[2].RenewalOpen);
        Assert.Null(list[2].RenewalStatus);
        Assert.Equal(30, list[2].ReminderStage);
        Assert.Null(list[0].ReminderStage);
    }

    [Fact]
    public async Task Keyset_pages_cover_everyone_once_in_order_even_when_expiry_times_tie()
    {
        var code = NewTenant();
        var expected = new List<(DateTimeOffset NotAfter, string Tckn)>();
        for (var i = 0; i < 23; i++)
        {
            // Three people share each expiry time: the TCKN breaks the tie.
            var notAfter = Now.AddDays(1 + i / 3);
            await SeeAsync(code, Person(i), notAfter);
            expected.Add((notAfter, Person(i)));
        }
        // Someone who left sits in the middle of the walk: the pages step over them.
        await RosterAsync(code, Member(Person(7), StaffCategory.Doctor, active: false));
        expected.RemoveAll(e => e.Tckn == Person(7));

        var pages = 0;
        var seen = new List<string>();
        ExpiringCursor? cursor = null;
        do
        {
            var page = await _app.ListExpiringAsync(code, Now, 90, cursor, 4);
            Assert.InRange(page.Items.Count, 1, 4);
            seen.AddRange(page.Items.Select(e => e.Tckn));
            cursor = page.Next;
            pages++;
        } while (cursor is not null);

        Assert.Equal(expected.OrderBy(e => e.NotAfter).ThenBy(e => e.Tckn, StringComparer.Ordinal).Select(e => e.Tckn), seen);
        Assert.Equal(6, pages);
    }

    [Fact]
    public async Task The_category_filter_takes_the_roster_first_then_the_applicant_category()
    {
        var code = NewTenant();
        await SeeAsync(code, Person(1), Now.AddDays(5), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(2), Now.AddDays(6), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(3), Now.AddDays(7), ApplicantCategory.Individual);
        await SeeAsync(code, Person(4), Now.AddDays(8), ApplicantCategory.FamilyPhysician);
        // On the roster Person(1) is a family physician, whatever they applied as.
        await RosterAsync(code, Member(Person(1), StaffCategory.FamilyPhysician), Member(Person(4), StaffCategory.FamilyPhysician, active: false));

        Assert.Equal([Person(1)], (await AllAsync(code, 90, StaffCategory.FamilyPhysician)).Select(e => e.Tckn));
        Assert.Equal([Person(2)], (await AllAsync(code, 90, StaffCategory.Doctor)).Select(e => e.Tckn));
        Assert.Equal([Person(3)], (await AllAsync(code, 90, StaffCategory.OtherStaff)).Select(e => e.Tckn));
        Assert.Empty(await AllAsync(code, 90, StaffCategory.Manager));
        // The filter pages too.
        Assert.Equal([Person(1)], (await AllAsync(code, 90, StaffCategory.FamilyPhysician, pageSize: 1)).Select(e => e.Tckn));
    }

    [Fact]
    public async Task Stats_count_by_category_with_open_renewals_and_by_the_stage_reached()
    {
        var code = NewTenant();
        var t = Tenant(code);
        // Days left: 3 (stage 7), 7 exactly (stage 7), 8 and 30 (stage 30), 45 (stage 60), 75 (stage 90), 100 (beyond 90: none).
        await SeeAsync(code, Person(1), Now.AddDays(3), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(2), Now.AddDays(7), ApplicantCategory.Individual);
        await SeeAsync(code, Person(3), Now.AddDays(8), ApplicantCategory.Manager);
        await SeeAsync(code, Person(4), Now.AddDays(30), null);
        Ok(await _app.SubmitAsync(code, Submit(t, Doctor, RequestId(), notAfter: Now.AddDays(45))));
        await SeeAsync(code, Person(5), Now.AddDays(75), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(6), Now.AddDays(100), ApplicantCategory.Doctor);
        await SeeAsync(code, Person(7), Now.AddDays(5), ApplicantCategory.Doctor);
        await RosterAsync(code, Member(Person(3), StaffCategory.FamilyPhysician), Member(Person(7), StaffCategory.Doctor, active: false));

        var stats = await _app.GetExpiringStatsAsync(code, Now, 90, ReminderStages.Default);

        Assert.Equal(6, stats.Total);
        Assert.Equal(
            [new(StaffCategory.Doctor, 3, 1), new(StaffCategory.FamilyPhysician, 1, 0), new(StaffCategory.OtherStaff, 1, 0), new ExpiringCategoryCount(null, 1, 0)],
            stats.ByCategory);
        Assert.Equal([new(90, 1), new(60, 1), new(30, 2), new(7, 2), new ExpiringStageCount(0, 0)], stats.ByStage);

        // The stages reached follow ReminderStages.Reached, person by person.
        var list = await AllAsync(code, 90);
        var reached = list.GroupBy(e => ReminderStages.Reached(e.NotAfter, Now, ReminderStages.Default) ?? 0).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(stats.ByStage, s => Assert.Equal(reached.GetValueOrDefault(s.StageDays), s.People));

        // Other stages, a wider window: the one beyond every stage counts at 0.
        var wide = await _app.GetExpiringStatsAsync(code, Now, 120, [30, 14]);
        Assert.Equal(7, wide.Total);
        Assert.Equal([new(30, 1), new(14, 3), new ExpiringStageCount(0, 3)], wide.ByStage);
    }
}
