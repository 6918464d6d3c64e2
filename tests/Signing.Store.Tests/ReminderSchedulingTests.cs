using Marten;
using Signing.Domain;
using Signing.Store;
using static Signing.Store.Tests.Data;

namespace Signing.Store.Tests;

/// <summary>Scheduling renewal reminders: which stage, once per certificate, beside the event, and who is left out.</summary>
[Collection(StoreCollection.Name)]
public class ReminderSchedulingTests(StoreFixture fx)
{
    private readonly ReminderStore _reminders = new(fx.Store);
    private static readonly IReadOnlyList<int> Stages = ReminderStages.Default;

    private async Task EnrolAsync(string tenant, Applicant person, string? email, bool active = true)
    {
        await using var session = fx.Store.LightweightSession(tenant);
        session.Store(new RosterMember { Id = person.Tckn.Value, Name = person.Name.Full, Category = StaffCategory.Doctor, Email = email, Active = active, UpdatedAt = Now });
        await session.SaveChangesAsync();
    }

    private Task SeeAsync(string tenant, Applicant person, DateTimeOffset notAfter, string certificate) =>
        fx.Applications.RecordCertificateSeenAsync(tenant, new CertificateSeen(person.Tckn.Value, person.Name.Full, person.Category, notAfter, certificate, Now));

    private async Task<List<(string Certificate, int Stage)>> OutboxAsync(string tenant, Applicant person)
    {
        await using var session = fx.Store.QuerySession(tenant);
        var rows = await session.AdvancedSql.QueryAsync<string>(
            $"select certificate_sha256 || ' ' || stage_days from {ReminderOutbox.Qualified} where tenant_id = ? and tckn = ? order by scheduled_at, certificate_sha256, stage_days desc",
            CancellationToken.None, tenant, person.Tckn.Value);
        return rows.Select(r => (r.Split(' ')[0], int.Parse(r.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }

    [Fact]
    public async Task A_person_first_seen_with_20_days_left_gets_the_30_day_stage_only_once_with_its_event_and_a_newer_certificate_starts_again()
    {
        var tenant = NewTenant();
        var first = "a1".PadRight(64, '0');
        await EnrolAsync(tenant, Doctor, "ayse@example.org");
        await SeeAsync(tenant, Doctor, Now.AddDays(20), first);

        Assert.Equal(1, await _reminders.ScheduleDueAsync(tenant, Stages, Now));
        Assert.Equal(0, await _reminders.ScheduleDueAsync(tenant, Stages, Now.AddHours(1)));
        Assert.Equal([(first, 30)], await OutboxAsync(tenant, Doctor));
        await using (var session = fx.Store.QuerySession(tenant))
        {
            Assert.Equal(30, (await session.LoadAsync<CertificateHolder>(Doctor.Tckn.Value))!.ReminderStage);
            var stream = await session.Events.FetchStreamAsync(ApplicationStore.ApplicationIdFor(tenant, "certificate-holder/" + Doctor.Tckn.Value));
            var scheduled = Assert.Single(stream.Select(e => e.Data).OfType<ReminderScheduled>());
            Assert.Equal(new ReminderScheduled(Doctor.Tckn.Value, first, Now.AddDays(20).ToUniversalTime(), 30, Now.ToUniversalTime()), scheduled with
            {
                NotAfter = scheduled.NotAfter.ToUniversalTime(), At = scheduled.At.ToUniversalTime(),
            });
        }

        // 14 days later: the 7-day stage.
        Assert.Equal(1, await _reminders.ScheduleDueAsync(tenant, Stages, Now.AddDays(14)));
        // A new card: the stages start again for it.
        var second = "b2".PadRight(64, '0');
        await SeeAsync(tenant, Doctor, Now.AddDays(14 + 85), second);
        Assert.Equal(1, await _reminders.ScheduleDueAsync(tenant, Stages, Now.AddDays(14)));
        Assert.Equal([(first, 30), (first, 7), (second, 90)], await OutboxAsync(tenant, Doctor));
        Assert.Equal(new ReminderCounts(Pending: 3, Sent: 0, Retrying: 0, Failed: 0, Cancelled: 0), await _reminders.ReminderCountsAsync(tenant));
    }

    [Fact]
    public async Task Nobody_is_scheduled_off_the_roster_inactive_without_an_address_with_an_open_renewal_or_before_the_first_stage()
    {
        var tenant = NewTenant();
        await SeeAsync(tenant, Doctor, Now.AddDays(20), "c3".PadRight(64, '0')); // not on the roster
        await EnrolAsync(tenant, Doctor2, "zeynep@example.org", active: false);
        await SeeAsync(tenant, Doctor2, Now.AddDays(20), "c4".PadRight(64, '0'));
        await EnrolAsync(tenant, Manager, email: null);
        await SeeAsync(tenant, Manager, Now.AddDays(20), "c5".PadRight(64, '0'));
        await EnrolAsync(tenant, Individual, "omer@example.org");
        await SeeAsync(tenant, Individual, Now.AddDays(91), "c6".PadRight(64, '0')); // before the first stage
        await EnrolAsync(tenant, FpExpiring, "gulsen@example.org");
        await SeeAsync(tenant, FpExpiring, Now.AddDays(20), "c7".PadRight(64, '0'));
        await using (var session = fx.Store.LightweightSession(tenant))
        {
            session.Insert(new OpenRenewal { Id = FpExpiring.Tckn.Value, ApplicationId = Guid.NewGuid() });
            await session.SaveChangesAsync();
        }

        Assert.Equal(0, await _reminders.ScheduleDueAsync(tenant, Stages, Now));
        // The 90-day stage once the day comes.
        Assert.Equal(1, await _reminders.ScheduleDueAsync(tenant, Stages, Now.AddDays(1.5)));
        Assert.Equal([("c6".PadRight(64, '0'), 90)], await OutboxAsync(tenant, Individual));
    }
}
