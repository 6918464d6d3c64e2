using System.Diagnostics;
using Signing.Domain;
using Signing.Server.Reminders;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using Signing.TestKit;
using Xunit.Abstractions;

namespace Signing.Server.Tests.Reminders;

/// <summary>
/// Renewal reminders end to end: people on a tenant's roster, their certificates recorded, the simulated clock walked,
/// the worker's passes sending through a real SMTP server, and the messages read back from it.
/// </summary>
public sealed class ReminderTests(ReminderWorld world, ITestOutputHelper output) : IClassFixture<ReminderWorld>
{
    private sealed record Person(string Tckn, string Name, StaffCategory Category, string? Email, bool Active, DateTimeOffset NotAfter, int? RenewalDay);

    private static string Domain(string tenant) => $"il{tenant}.example.org";

    private async Task EnrolAsync(string tenant, IReadOnlyList<Person> people, DateTimeOffset seenAt)
    {
        await using (var session = world.Node.Documents.LightweightSession(tenant))
        {
            foreach (var p in people)
            {
                session.Store(new RosterMember
                {
                    Id = p.Tckn, Name = p.Name, Category = p.Category, Institution = "Test Kurumu", Email = p.Email, Active = p.Active,
                    UpdatedAt = seenAt, DeactivatedAt = p.Active ? null : seenAt,
                });
            }
            await session.SaveChangesAsync();
        }
        await Parallel.ForEachAsync(people, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) =>
            await world.Node.Store.RecordCertificateSeenAsync(tenant,
                new CertificateSeen(p.Tckn, p.Name, p.Category.Applicant(), p.NotAfter, Scenario.Sha256Hex(System.Text.Encoding.UTF8.GetBytes("cert/" + p.Tckn)), seenAt), ct));
    }

    /// <summary>A wet-signed renewal under the person's roster category, so the staff list confirms it.</summary>
    private async Task OpenRenewalAsync(string tenant, Person p)
    {
        var form = Scenario.SyntheticForm(p.Tckn, tenant, Signing.Server.Mapping.Proto.Category(p.Category.Applicant()));
        var response = await world.Node.Applications().SubmitWetSignedAsync(
            new Signing.Contracts.V1.SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, world.Node.SystemHeaders());
        Assert.NotEqual("", response.Application.Id);
    }

    private IReadOnlyList<DeliveredMessage> MessagesOf(string tenant) =>
        world.Sink.Messages().Where(m => m.EnvelopeTo.Any(t => t.EndsWith("@" + Domain(tenant), StringComparison.Ordinal))).ToList();

    [Fact]
    public async Task Walk_of_100_days_over_1000_people_sends_exactly_the_stages_due_once_each_and_none_after_a_renewal_opened()
    {
        var tenant = world.Owner.NewTenant();
        var start = world.Clock.GetUtcNow();
        var stages = world.Node.Tenants.Find(tenant)!.Reminders;
        var categories = Enum.GetValues<StaffCategory>();
        var people = Enumerable.Range(0, 1000).Select(i => new Person(
            Scenario.SyntheticTckn(), $"Kişi {i}", categories[i % categories.Length],
            // Some have no address on the roster, some have left: neither gets anything.
            i % 89 == 3 ? null : $"kisi{i}@{Domain(tenant)}",
            Active: i % 97 != 5,
            // notAfter spread over 0.5–200 days from the start, at varied hours.
            NotAfter: start.AddHours(12 + i * 4.8),
            // One in seven opens a renewal on some day of the walk (wet, under their roster category: family physicians,
            // who would need their certificate for that, are left out).
            RenewalDay: i % 7 == 2 && categories[i % categories.Length] != StaffCategory.FamilyPhysician ? i * 13 % 100 : null)).ToList();
        var watch = Stopwatch.StartNew();
        await EnrolAsync(tenant, people, start);
        output.WriteLine($"roster and certificates of {people.Count} people recorded in {watch.Elapsed.TotalSeconds:0.0} s");

        // The independent expectation: each day, the most advanced stage reached, if more advanced than the last one sent.
        var expected = new HashSet<(string Tckn, int Stage)>();
        foreach (var p in people.Where(p => p.Active && p.Email is not null))
        {
            int? last = null;
            for (var day = 0; day <= 100 && (p.RenewalDay is null || day < p.RenewalDay); day++)
            {
                if (ReminderStages.Reached(p.NotAfter, start.AddDays(day), stages) is { } stage && (last is null || stage < last))
                {
                    expected.Add((p.Tckn, stage));
                    last = stage;
                }
            }
        }

        watch.Restart();
        var renewing = people.Where(p => p.RenewalDay is not null).ToLookup(p => p.RenewalDay!.Value);
        for (var day = 0; day <= 100; day++)
        {
            world.Clock.SetUtcNow(start.AddDays(day));
            if (day == 50)
                await world.RestartAsync();
            foreach (var p in renewing[day])
                await OpenRenewalAsync(tenant, p);
            await world.Node.Worker.RunOnceAsync();
        }
        output.WriteLine($"101 daily passes (a restart on day 50) in {watch.Elapsed.TotalSeconds:0.0} s");

        var byAddress = people.Where(p => p.Email is not null).ToDictionary(p => p.Email!, p => p.Tckn);
        var delivered = MessagesOf(tenant)
            .Select(m => (Tckn: byAddress[m.EnvelopeTo.Single()], Stage: int.Parse(m.Message.Headers[ReminderMail.StageHeader]!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        output.WriteLine($"{delivered.Count} reminders delivered, {expected.Count} expected");
        var twice = delivered.GroupBy(d => d).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(twice);
        Assert.Empty(delivered.ToHashSet().Except(expected));
        Assert.Empty(expected.Except(delivered));
        Assert.True(expected.Count > 1500, $"the walk should reach many stages (reached {expected.Count})");
        // Renewers did get reminders before they opened their renewal, and none after.
        Assert.Contains(delivered, d => people.Single(p => p.Tckn == d.Tckn).RenewalDay is > 0);

        var counts = await world.Node.Reminders.ReminderCountsAsync(tenant);
        Assert.Equal(expected.Count, counts.Sent);
        Assert.Equal(0, counts.Pending);
        Assert.Equal(0, counts.Failed);
        // The same counts as the directorate's stats give them over gRPC.
        var stats = await new Signing.Contracts.V1.ExpiryService.ExpiryServiceClient(world.Node.Channel).GetExpiringStatsAsync(
            new Signing.Contracts.V1.GetExpiringStatsRequest { Tenant = tenant }, world.Node.SystemHeaders());
        Assert.Equal((expected.Count, 0, 0, 0), (stats.Reminders.Sent, stats.Reminders.Pending, stats.Reminders.Retrying, stats.Reminders.Failed));
    }

    [Fact]
    public async Task A_reminder_read_back_from_the_SMTP_server_is_in_Turkish_with_the_guidance_of_the_persons_category()
    {
        var tenant = world.Owner.NewTenant();
        var settings = world.Node.Tenants.Find(tenant)!;
        var now = world.Clock.GetUtcNow();
        var physician = new Person(Scenario.SyntheticTckn(), "Ayşe Işık", StaffCategory.FamilyPhysician, $"ayse.isik@{Domain(tenant)}", true, now.AddDays(20).AddHours(3), null);
        var clerk = new Person(Scenario.SyntheticTckn(), "İsmail Çığ", StaffCategory.OtherStaff, $"ismail.cig@{Domain(tenant)}", true, now.AddDays(20).AddHours(3), null);
        await EnrolAsync(tenant, [physician, clerk], now);

        await world.Node.Worker.RunOnceAsync();

        var messages = MessagesOf(tenant);
        Assert.Equal(2, messages.Count);
        var toPhysician = messages.Single(m => m.EnvelopeTo.Single() == physician.Email);
        var mail = toPhysician.Message;
        Assert.Equal(physician.Email, mail.To.Mailboxes.Single().Address);
        Assert.Equal("Ayşe Işık", mail.To.Mailboxes.Single().Name);
        Assert.Equal("e-imza@saglik.example.gov.tr", mail.From.Mailboxes.Single().Address);
        // tr-TR upper case: i → İ, ı → I (never "E-IMZA" nor "HATİRLATMASİ").
        Assert.Equal("E-İMZA YENİLEME HATIRLATMASI: NES'inizin süresi 20 gün içinde doluyor", mail.Subject);
        Assert.Equal("30", mail.Headers[ReminderMail.StageHeader]);
        Assert.EndsWith("@saglik.example.gov.tr", mail.MessageId);
        var text = toPhysician.Text;
        output.WriteLine(mail.Subject + "\n\n" + text);
        Assert.Contains("Sayın Ayşe Işık,", text);
        Assert.Contains("20 gün kaldı", text);
        Assert.Contains(physician.NotAfter.ToOffset(TimeSpan.FromHours(3)).ToString("d MMMM yyyy", TurkishText.Culture), text);
        Assert.Contains("kategoriniz: Aile Hekimi", text);
        // The fee and the account, as the API's Turkish guidance states them.
        Assert.Contains($"{settings.Fee} ücreti {settings.FeeIban.Formatted}", text);
        Assert.Contains("Dekontu e-imza yetkilisine", text);
        Assert.DoesNotContain("çevrim içi işlemler portalından", text);

        var toClerk = messages.Single(m => m.EnvelopeTo.Single() == clerk.Email);
        Assert.Contains("Sayın İsmail Çığ,", toClerk.Text);
        Assert.Contains("kategoriniz: Diğer Personel", toClerk.Text);
        Assert.Contains($"Kamu SM çevrim içi işlemler portalından ({KamuSm.IndividualMenu}) \"YENİLEME\" nedeniyle başvurun.", toClerk.Text);
        Assert.Contains("ödemeyi yalnızca ücret ekranda göründükten sonra", toClerk.Text);
        Assert.DoesNotContain(settings.FeeIban.Formatted, toClerk.Text);
        Assert.NotEqual(mail.MessageId, toClerk.Message.MessageId);

        // The same day again: nothing more (each stage once per person and certificate).
        await world.Node.Worker.RunOnceAsync();
        Assert.Equal(2, MessagesOf(tenant).Count);
    }

    [Fact]
    public async Task With_the_SMTP_server_down_a_reminder_waits_with_backoff_shown_in_the_counts_and_is_sent_once_when_it_is_back()
    {
        var tenant = world.Owner.NewTenant();
        var now = world.Clock.GetUtcNow();
        var person = new Person(Scenario.SyntheticTckn(), "Öykü Şen", StaffCategory.Doctor, $"oyku.sen@{Domain(tenant)}", true, now.AddDays(6), null);
        await EnrolAsync(tenant, [person], now);
        world.Sink.Stop();
        try
        {
            var first = await world.Node.Worker.RunOnceAsync();
            Assert.True(first.Failed >= 1);
            var counts = await world.Node.Reminders.ReminderCountsAsync(tenant);
            Assert.Equal(new ReminderCounts(Pending: 1, Sent: 0, Retrying: 1, Failed: 0, Cancelled: 0), counts);

            // Not again before the backoff has passed; after it, a second failure doubles the wait.
            world.Clock.Advance(TimeSpan.FromSeconds(ReminderWorld.RetryBaseSeconds - 1));
            await world.Node.Worker.RunOnceAsync();
            Assert.Equal(1, await AttemptsAsync(tenant, person.Tckn));
            world.Clock.Advance(TimeSpan.FromSeconds(1));
            await world.Node.Worker.RunOnceAsync();
            Assert.Equal(2, await AttemptsAsync(tenant, person.Tckn));
            Assert.Equal(new ReminderCounts(1, 0, 1, 0, 0), await world.Node.Reminders.ReminderCountsAsync(tenant));
        }
        finally
        {
            await world.Sink.StartAsync();
        }
        world.Clock.Advance(TimeSpan.FromSeconds(2 * ReminderWorld.RetryBaseSeconds - 1));
        await world.Node.Worker.RunOnceAsync();
        Assert.Empty(MessagesOf(tenant));
        world.Clock.Advance(TimeSpan.FromSeconds(1));
        await world.Node.Worker.RunOnceAsync();
        world.Clock.Advance(TimeSpan.FromHours(1));
        await world.Node.Worker.RunOnceAsync();

        var delivered = Assert.Single(MessagesOf(tenant));
        Assert.Equal("7", delivered.Message.Headers[ReminderMail.StageHeader]);
        Assert.Equal(new ReminderCounts(0, 1, 0, 0, 0), await world.Node.Reminders.ReminderCountsAsync(tenant));
        // Neither the address nor a full TCKN in the server's log.
        Assert.DoesNotContain(world.Node.Logs.Entries, e => e.Message.Contains(person.Email!, StringComparison.Ordinal) || e.Message.Contains(person.Tckn, StringComparison.Ordinal));
        Assert.Contains(world.Node.Logs.Entries, e => e.Message.Contains("not sent through", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reminder_waiting_in_the_outbox_is_cancelled_not_sent_when_the_person_opens_a_renewal_meanwhile()
    {
        var tenant = world.Owner.NewTenant();
        var now = world.Clock.GetUtcNow();
        var person = new Person(Scenario.SyntheticTckn(), "Ilgın Irmak", StaffCategory.Manager, $"ilgin.irmak@{Domain(tenant)}", true, now.AddDays(40), null);
        await EnrolAsync(tenant, [person], now);
        world.Sink.Stop();
        try
        {
            await world.Node.Worker.RunOnceAsync();
            Assert.Equal(new ReminderCounts(1, 0, 1, 0, 0), await world.Node.Reminders.ReminderCountsAsync(tenant));
        }
        finally
        {
            await world.Sink.StartAsync();
        }
        await OpenRenewalAsync(tenant, person);
        world.Clock.Advance(TimeSpan.FromSeconds(ReminderWorld.RetryBaseSeconds));
        await world.Node.Worker.RunOnceAsync();
        // And no later stage either, while the renewal is open.
        world.Clock.Advance(TimeSpan.FromDays(35));
        await world.Node.Worker.RunOnceAsync();

        Assert.Empty(MessagesOf(tenant));
        Assert.Equal(new ReminderCounts(0, 0, 0, 0, 1), await world.Node.Reminders.ReminderCountsAsync(tenant));
    }

    [Fact]
    public async Task Two_nodes_running_their_passes_at_once_send_each_stage_once()
    {
        var tenant = world.Owner.NewTenant();
        var start = world.Clock.GetUtcNow();
        var stages = world.Node.Tenants.Find(tenant)!.Reminders;
        var people = Enumerable.Range(0, 200).Select(i => new Person(Scenario.SyntheticTckn(), $"Kişi {i}", StaffCategory.Doctor,
            $"ikinci{i}@{Domain(tenant)}", true, start.AddHours(6 + i * 11), null)).ToList();
        await EnrolAsync(tenant, people, start);
        var expected = new HashSet<(string, int)>();
        foreach (var p in people)
        {
            int? last = null;
            for (var day = 0; day <= 30; day++)
            {
                if (ReminderStages.Reached(p.NotAfter, start.AddDays(day), stages) is { } stage && (last is null || stage < last))
                {
                    expected.Add((p.Tckn, stage));
                    last = stage;
                }
            }
        }

        var second = await world.AnotherNodeAsync();
        try
        {
            for (var day = 0; day <= 30; day++)
            {
                world.Clock.SetUtcNow(start.AddDays(day));
                await Task.WhenAll(world.Node.Worker.RunOnceAsync(), second.Worker.RunOnceAsync());
            }
        }
        finally
        {
            await second.DisposeAsync();
        }

        var byAddress = people.ToDictionary(p => p.Email!, p => p.Tckn);
        var delivered = MessagesOf(tenant)
            .Select(m => (byAddress[m.EnvelopeTo.Single()], int.Parse(m.Message.Headers[ReminderMail.StageHeader]!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        Assert.True(expected.SetEquals(delivered), $"{delivered.Count} delivered, {expected.Count} expected");
    }

    private async Task<int> AttemptsAsync(string tenant, string tckn)
    {
        await using var session = world.Node.Documents.QuerySession(tenant);
        var rows = await session.AdvancedSql.QueryAsync<int>($"select attempts from {ReminderOutbox.Qualified} where tenant_id = ? and tckn = ?", default, tenant, tckn);
        return rows.Single();
    }
}
