using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Services;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using StaffCategory = Signing.Contracts.V1.StaffCategory;
using ApplicantCategory = Signing.Domain.ApplicantCategory;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Tests;

/// <summary>
/// A server of its own with Mersin's (33) expiring list seeded straight into the store: certificates seen for twelve
/// synthetic people, half of them on the roster, and one Adana holder. Expiry times sit half a day off whole days, so the
/// days left do not depend on when in the day the test runs.
/// </summary>
public sealed class ExpiryWorld : IAsyncLifetime
{
    public SigningServer Server { get; } = new();
    public Metadata MersinOfficer { get; private set; } = null!;
    public Metadata AdanaOfficer { get; private set; } = null!;
    public DateTimeOffset SeededAt { get; private set; }
    /// <summary>Mersin's people by TCKN, with the days left at <see cref="SeededAt"/>.</summary>
    public List<(string Tckn, int DaysLeft)> Mersin { get; } = [];
    public string AdanaTckn { get; } = Tckn.WithCheckDigits("700000001").Value;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        MersinOfficer = await Server.SignInAsync("officer-mersin-1");
        AdanaOfficer = await Server.SignInAsync("officer-adana");
        SeededAt = DateTimeOffset.UtcNow;
        using var store = SigningStore.CreateDocumentStore(Server.ConnectionString);
        var app = new ApplicationStore(store);
        for (var i = 0; i < 12; i++)
        {
            var tckn = Tckn.WithCheckDigits((600_000_000 + i).ToString()).Value;
            var days = 5 + i * 7;
            await app.RecordCertificateSeenAsync("33", new CertificateSeen(tckn, "Kişi " + i, i % 2 == 0 ? ApplicantCategory.Doctor : ApplicantCategory.Individual,
                SeededAt.AddDays(days).AddHours(12), tckn.PadRight(64, 'e'), SeededAt));
            Mersin.Add((tckn, days));
        }
        await using (var session = store.LightweightSession("33"))
        {
            for (var i = 0; i < 12; i += 2)
                session.Store(new RosterMember { Id = Mersin[i].Tckn, Name = "Şükrü İnce " + i, Category = Domain.StaffCategory.FamilyPhysician, Institution = "Toroslar ASM", UpdatedAt = SeededAt });
            await session.SaveChangesAsync();
        }
        await app.RecordCertificateSeenAsync("01", new CertificateSeen(AdanaTckn, "Adanalı Kişi", ApplicantCategory.Manager, SeededAt.AddDays(3).AddHours(12), AdanaTckn.PadRight(64, 'f'), SeededAt));
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

public sealed class ExpiryServiceTests(ExpiryWorld world) : IClassFixture<ExpiryWorld>
{
    private readonly ExpiryService.ExpiryServiceClient _expiry = new(world.Server.Channel);

    private async Task<List<ExpiringPerson>> AllAsync(Metadata caller, ListExpiringRequest request)
    {
        var people = new List<ExpiringPerson>();
        var cursor = "";
        var pages = 0;
        do
        {
            var page = await _expiry.ListExpiringAsync(new ListExpiringRequest(request) { Page = new PageRequest { PageSize = 5, Cursor = cursor } }, caller);
            Assert.InRange(page.People.Count, 1, 5);
            people.AddRange(page.People);
            cursor = page.NextCursor;
            Assert.True(++pages < 20);
        } while (cursor.Length > 0);
        return people;
    }

    [Fact]
    public async Task An_officer_pages_through_their_own_directorates_list_with_masked_TCKNs_and_days_left()
    {
        var people = await AllAsync(world.MersinOfficer, new ListExpiringRequest());

        // Within 90 days (the default): 5, 12, … 82 days left.
        var expected = world.Mersin.Where(p => p.DaysLeft <= 90).ToList();
        Assert.Equal(expected.Select(p => Tckn.Mask(p.Tckn)), people.Select(p => p.TcknMasked));
        Assert.Equal(expected.Select(p => p.DaysLeft), people.Select(p => p.DaysLeft));
        Assert.All(people, p => Assert.DoesNotContain(world.Mersin, m => p.TcknMasked == m.Tckn));
        var first = people[0];
        Assert.True(first.OnRoster);
        Assert.Equal(StaffCategory.FamilyPhysician, first.Category);
        Assert.Equal("Şükrü İnce 0", first.Name);
        Assert.Equal("Toroslar ASM", first.Institution);
        Assert.False(first.RenewalOpen);
        Assert.Equal("", first.ApplicationId);
        Assert.Equal(0, first.LastReminderStage);
        Assert.False(people[1].OnRoster);
        Assert.Equal(StaffCategory.OtherStaff, people[1].Category);
        Assert.Equal(world.SeededAt.AddDays(5).AddHours(12).ToUnixTimeSeconds(), first.NotAfter.ToDateTimeOffset().ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Within_days_and_the_category_narrow_the_list()
    {
        var month = await AllAsync(world.MersinOfficer, new ListExpiringRequest { WithinDays = 30 });
        Assert.Equal([5, 12, 19, 26], month.Select(p => p.DaysLeft));
        var physicians = await AllAsync(world.MersinOfficer, new ListExpiringRequest { WithinDays = 365, Category = StaffCategory.FamilyPhysician });
        Assert.Equal(6, physicians.Count);
        Assert.All(physicians, p => Assert.True(p.OnRoster));
    }

    [Fact]
    public async Task Stats_count_by_category_and_by_stage_reached()
    {
        var stats = await _expiry.GetExpiringStatsAsync(new GetExpiringStatsRequest(), world.MersinOfficer);
        Assert.Equal(90, stats.WithinDays);
        Assert.Equal(12, stats.Total); // 5 … 82 days left
        Assert.Equal([(StaffCategory.FamilyPhysician, 6), (StaffCategory.OtherStaff, 6)], stats.ByCategory.Select(c => (c.Category, c.Expiring)));
        // Days left 5 | 12, 19, 26 | 33 … 54 | 61 … 82 (plus half a day each).
        Assert.Equal([(90, 4), (60, 4), (30, 3), (7, 1), (0, 0)], stats.ByStage.Select(s => (s.StageDays, s.People)));
        // No SMTP in this world: nothing scheduled, nothing sent.
        Assert.Equal(new Signing.Contracts.V1.ReminderCounts(), stats.Reminders);
    }

    [Fact]
    public async Task A_system_client_with_roster_read_names_the_directorate_it_serves()
    {
        var list = await _expiry.ListExpiringAsync(new ListExpiringRequest { Tenant = "01" }, world.Server.SystemHeaders());
        Assert.Equal([Tckn.Mask(world.AdanaTckn)], list.People.Select(p => p.TcknMasked));
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.ListExpiringAsync(new ListExpiringRequest(), world.Server.SystemHeaders()),
            ErrorCodes.InvalidArgument, "tenant");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.GetExpiringStatsAsync(new GetExpiringStatsRequest { Tenant = "99" }, world.Server.SystemHeaders()),
            ErrorCodes.InvalidArgument, "tenant");
    }

    [Fact]
    public async Task An_officer_of_another_directorate_is_refused_and_sees_only_their_own()
    {
        await Rpc.Refused(StatusCode.PermissionDenied, () => _expiry.ListExpiringAsync(new ListExpiringRequest { Tenant = "33" }, world.AdanaOfficer), "WRONG_TENANT");
        await Rpc.Refused(StatusCode.PermissionDenied, () => _expiry.GetExpiringStatsAsync(new GetExpiringStatsRequest { Tenant = "33" }, world.AdanaOfficer), "WRONG_TENANT");
        var own = await _expiry.ListExpiringAsync(new ListExpiringRequest { Tenant = "01" }, world.AdanaOfficer);
        Assert.Equal([Tckn.Mask(world.AdanaTckn)], own.People.Select(p => p.TcknMasked));
        await Rpc.Refused(StatusCode.Unauthenticated, () => _expiry.ListExpiringAsync(new ListExpiringRequest()), "NOT_SIGNED_IN");
        // An applicant is not an officer.
        await Rpc.Refused(StatusCode.PermissionDenied, async () => await _expiry.ListExpiringAsync(new ListExpiringRequest(), await world.Server.SignInAsync("doctor")), "ROLE_REQUIRED");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(366)]
    public async Task Within_days_out_of_range_is_refused_naming_the_field(int days)
    {
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.ListExpiringAsync(new ListExpiringRequest { WithinDays = days }, world.MersinOfficer),
            ErrorCodes.InvalidArgument, "within_days");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.GetExpiringStatsAsync(new GetExpiringStatsRequest { WithinDays = days }, world.MersinOfficer),
            ErrorCodes.InvalidArgument, "within_days");
    }

    [Fact]
    public async Task A_forged_or_foreign_cursor_is_refused()
    {
        var first = await _expiry.ListExpiringAsync(new ListExpiringRequest { Page = new PageRequest { PageSize = 2 } }, world.MersinOfficer);
        Assert.NotEqual("", first.NextCursor);
        var second = await _expiry.ListExpiringAsync(new ListExpiringRequest { Page = new PageRequest { PageSize = 2, Cursor = first.NextCursor } }, world.MersinOfficer);
        Assert.Equal([19, 26], second.People.Select(p => p.DaysLeft));

        string Encode(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var queueCursor = Paging.QueueCursor(new QueueCursor(DateTimeOffset.UtcNow, Guid.NewGuid()));
        foreach (var bad in new[] { "not-a-cursor", queueCursor, Encode("x:33:123:12345678901"), Encode("x:33:-5:" + world.Mersin[0].Tckn) })
            await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.ListExpiringAsync(new ListExpiringRequest { Page = new PageRequest { Cursor = bad } }, world.MersinOfficer),
                ErrorCodes.InvalidArgument, "page.cursor");
        // Mersin's cursor is no position in Adana's list.
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.ListExpiringAsync(new ListExpiringRequest { Page = new PageRequest { Cursor = first.NextCursor } }, world.AdanaOfficer),
            ErrorCodes.InvalidArgument, "page.cursor");
        await Rpc.Refused(StatusCode.InvalidArgument, () => _expiry.ListExpiringAsync(new ListExpiringRequest { Category = (StaffCategory)9 }, world.MersinOfficer),
            ErrorCodes.InvalidArgument, "category");
    }
}
