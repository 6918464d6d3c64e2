using Grpc.Core;
using Marten;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Server.Roster;
using Signing.Server.Tests.Infrastructure;
using Signing.Store;
using DomainTckn = Signing.Domain.Tckn;

namespace Signing.Server.Tests;

/// <summary>A server whose imports may send at most <see cref="MaxRows"/> rows.</summary>
public sealed class SmallRosterServer : SigningServer
{
    public const int MaxRows = 5;

    protected override void AddSettings(Dictionary<string, string?> settings) => settings[RosterOptions.MaxRowsKey] = MaxRows.ToString();
}

/// <summary>RosterService.Import over gRPC: the HR system (a system client) and an officer with the HR file.</summary>
public sealed class RosterServiceTests(SigningServer server) : IClassFixture<SigningServer>, IDisposable
{
    private readonly DocumentStore _store = SigningStore.CreateDocumentStore(server.ConnectionString);

    public void Dispose() => _store.Dispose();

    /// <summary>A valid TCKN of nobody in the world, from a small number.</summary>
    public static string Tckn(int n) => DomainTckn.WithCheckDigits((700_000_000 + n).ToString()).Value;

    public static RosterRow Row(int n, string category = "Doktor", string email = "", string active = "", string? tckn = null, int row = 0) => new()
    {
        Row = row,
        Tckn = tckn ?? Tckn(n),
        Name = $"Kişi {n} İşçioğlu",
        Category = category,
        Institution = "Mersin Şehir Hastanesi",
        Email = email.Length > 0 ? email : $"kisi{n}@saglik.gov.tr",
        Phone = "0532 100 00 " + (n % 100).ToString("00"),
        Active = active,
    };

    public static async Task<RosterImportReport> ImportAsync(SigningServer s, Metadata headers, RosterImportHeader? header, params IEnumerable<RosterRow>[] chunks)
    {
        using var call = s.Roster().Import(headers);
        try
        {
            if (header is not null)
                await call.RequestStream.WriteAsync(new RosterImportRequest { Header = header });
            foreach (var chunk in chunks)
            {
                var rows = new RosterRows();
                rows.Rows.AddRange(chunk);
                await call.RequestStream.WriteAsync(new RosterImportRequest { Rows = rows });
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server answered before the stream ended (a refusal): its status is the call's, read below.
        }
        return await call;
    }

    private async Task<(int Members, long Events)> FootprintAsync(string tenant)
    {
        await using var session = _store.QuerySession(tenant);
        var members = await session.Query<RosterMember>().CountAsync();
        var events = (await session.Events.FetchStreamAsync(RosterStore.StreamId(tenant))).Count;
        return (members, events);
    }

    [Fact]
    public async Task Bad_rows_are_reported_by_row_number_and_reason_and_the_rest_imported()
    {
        var tenant = server.NewTenant();
        var header = new RosterImportHeader { Tenant = tenant, Source = "personel.csv" };
        var report = await ImportAsync(server, server.SystemHeaders(), header,
            [Row(1, row: 2), Row(2, row: 3, tckn: "12345678951"), Row(3, row: 4, category: "Hemşire")],
            [Row(4, row: 5, email: "kisi4 at saglik"), Row(5, row: 6, category: "Aile Hekimi"), Row(6, row: 7, category: "diğer personel")]);

        Assert.Equal((6, 3, 0, 0, 0), (report.Received, report.Added, report.Changed, report.Deactivated, report.Unchanged));
        Assert.Equal([(3, "tckn"), (4, "category"), (5, "email")], report.Refused.Select(r => (r.Row, r.Field)));
        Assert.Contains("check digits", report.Refused[0].Reason);
        Assert.Equal("123********", report.Refused[0].TcknMasked);
        Assert.Contains("'Hemşire'", report.Refused[1].Reason);
        Assert.Contains("Aile Hekimi", report.Refused[1].Reason);
        Assert.Contains("e-mail", report.Refused[2].Reason);
        Assert.Equal(Tckn(4)[..3] + "********", report.Refused[2].TcknMasked);

        var roster = new RosterStore(_store);
        var physician = await roster.FindAsync(tenant, Tckn(5));
        Assert.Equal((Signing.Domain.StaffCategory.FamilyPhysician, "Kişi 5 İşçioğlu", "kisi5@saglik.gov.tr", "+905321000005"),
            (physician!.Category, physician.Name, physician.Email, physician.Phone));
        Assert.Null(await roster.FindAsync(tenant, Tckn(3)));
        Assert.Null(await roster.FindAsync(tenant, Tckn(4)));

        // Never a full TCKN, an e-mail or a phone in the server's log.
        var log = string.Join('\n', server.Logs.Entries.Select(e => e.Message));
        Assert.Contains($"roster import into {tenant}", log);
        foreach (var n in Enumerable.Range(1, 6))
        {
            Assert.DoesNotContain(Tckn(n), log);
            Assert.DoesNotContain($"kisi{n}@", log);
        }
        Assert.DoesNotContain("+90532", log);
    }

    [Fact]
    public async Task The_same_rows_twice_change_nothing_the_second_time()
    {
        var tenant = server.NewTenant();
        var header = new RosterImportHeader { Tenant = tenant, Source = "hr-feed" };
        var rows = Enumerable.Range(1, 50).Select(n => Row(n, category: n % 4 == 0 ? "AİLE HEKİMİ" : "Yönetici")).ToList();
        var first = await ImportAsync(server, server.SystemHeaders(), header, rows[..20], rows[20..]);
        Assert.Equal((50, 50, 0), (first.Received, first.Added, first.Unchanged));
        var before = await FootprintAsync(tenant);
        Assert.Equal((50, 1L), before);

        var second = await ImportAsync(server, server.SystemHeaders(), header, rows);
        Assert.Equal((50, 0, 0, 0, 50, 0), (second.Received, second.Added, second.Changed, second.Deactivated, second.Unchanged, second.Refused.Count));
        Assert.Equal(before, await FootprintAsync(tenant));

        // The whole list without the first ten: they are deactivated, once.
        var complete = new RosterImportHeader { Tenant = tenant, Source = "hr-feed", Complete = true };
        var third = await ImportAsync(server, server.SystemHeaders(), complete, rows[10..]);
        Assert.Equal((0, 0, 10, 40), (third.Added, third.Changed, third.Deactivated, third.Unchanged));
        var again = await ImportAsync(server, server.SystemHeaders(), complete, rows[10..]);
        Assert.Equal((0, 0, 0, 40), (again.Added, again.Changed, again.Deactivated, again.Unchanged));
        Assert.Equal((50, 2L), await FootprintAsync(tenant));
    }

    [Fact]
    public async Task Rows_without_a_header_first_are_refused_and_nothing_is_saved()
    {
        var tenant = server.NewTenant();
        await Rpc.Refused(StatusCode.InvalidArgument, () => ImportAsync(server, server.SystemHeaders(), null, [Row(1)]), "INVALID_ARGUMENT", "header");
        await Rpc.Refused(StatusCode.InvalidArgument, () => ImportAsync(server, server.SystemHeaders(), null), "INVALID_ARGUMENT", "header");
        // A second header after rows: the whole import is refused, the rows before it too.
        await Rpc.Refused(StatusCode.InvalidArgument, async () =>
        {
            using var call = server.Roster().Import(server.SystemHeaders());
            try
            {
                await call.RequestStream.WriteAsync(new RosterImportRequest { Header = new RosterImportHeader { Tenant = tenant } });
                await call.RequestStream.WriteAsync(new RosterImportRequest { Rows = new RosterRows { Rows = { Row(1) } } });
                await call.RequestStream.WriteAsync(new RosterImportRequest { Header = new RosterImportHeader { Tenant = tenant } });
                await call.RequestStream.CompleteAsync();
            }
            catch (RpcException)
            {
            }
            await call;
        }, "INVALID_ARGUMENT", "header");
        Assert.Equal((0, 0L), await FootprintAsync(tenant));
    }

    [Fact]
    public async Task An_officer_imports_into_their_own_directorate_and_not_into_another()
    {
        var officer = await server.SignInAsync("officer-mersin-1");
        var own = await ImportAsync(server, officer, new RosterImportHeader { Source = "personel.csv" }, [Row(900)]);
        Assert.Equal(1, own.Added + own.Unchanged);
        Assert.NotNull(await new RosterStore(_store).FindAsync("33", Tckn(900)));

        var other = server.NewTenant();
        await Rpc.Refused(StatusCode.PermissionDenied, () => ImportAsync(server, officer, new RosterImportHeader { Tenant = other }, [Row(901)]), "WRONG_TENANT");
        await Rpc.Refused(StatusCode.PermissionDenied, () => ImportAsync(server, officer, new RosterImportHeader { Tenant = "01" }, [Row(901)]), "WRONG_TENANT");
        Assert.Equal((0, 0L), await FootprintAsync(other));

        // The record says who imported: the officer, not a person of the roster.
        await using var session = _store.QuerySession("33");
        var recorded = (await session.Events.FetchStreamAsync(RosterStore.StreamId("33"))).Select(e => e.Data).OfType<Signing.Domain.RosterImported>().Last();
        Assert.Equal(("officer:" + server.World.Manifest.Persona("officer-mersin-1").Tckn, "personel.csv"), (recorded.ImportedBy, recorded.Source));
    }

    [Fact]
    public async Task A_system_client_names_a_tenant_the_server_serves()
    {
        await Rpc.Refused(StatusCode.InvalidArgument, () => ImportAsync(server, server.SystemHeaders(), new RosterImportHeader(), [Row(1)]),
            "INVALID_ARGUMENT", "header.tenant");
        var status = await Rpc.Refused(StatusCode.InvalidArgument,
            () => ImportAsync(server, server.SystemHeaders(), new RosterImportHeader { Tenant = SigningServer.NotServed }, [Row(1)]), "INVALID_ARGUMENT", "header.tenant");
        Assert.Contains("unknown directorate", status.Message);
    }

    [Fact]
    public void Roster_settings_are_validated_at_start()
    {
        var validation = new RosterOptionsValidation();
        Assert.True(validation.Validate(null, new RosterOptions()).Succeeded);
        var bad = validation.Validate(null, new RosterOptions { MaxRows = 0, ContactRetentionDays = -1 });
        Assert.True(bad.Failed);
        Assert.Contains(RosterOptions.MaxRowsKey, bad.FailureMessage);
        Assert.Contains(RosterOptions.ContactRetentionDaysKey, bad.FailureMessage);
    }
}

public sealed class RosterLimitTests(SmallRosterServer server) : IClassFixture<SmallRosterServer>
{
    [Fact]
    public async Task An_import_of_more_rows_than_the_limit_is_refused_whole()
    {
        var tenant = server.NewTenant();
        var rows = Enumerable.Range(1, SmallRosterServer.MaxRows + 1).Select(n => RosterServiceTests.Row(n)).ToList();
        await Rpc.Refused(StatusCode.InvalidArgument,
            () => RosterServiceTests.ImportAsync(server, server.SystemHeaders(), new RosterImportHeader { Tenant = tenant }, rows[..3], rows[3..]), "INVALID_ARGUMENT", "rows");
        using var store = SigningStore.CreateDocumentStore(server.ConnectionString);
        Assert.Equal(0, await new RosterStore(store).CountAsync(tenant, activeOnly: false));

        var report = await RosterServiceTests.ImportAsync(server, server.SystemHeaders(), new RosterImportHeader { Tenant = tenant }, rows[..SmallRosterServer.MaxRows]);
        Assert.Equal(SmallRosterServer.MaxRows, report.Added);
    }
}
