using Grpc.Core;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Signing.Bench.Shared;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Services;
using Signing.Store;
using Signing.TestKit;

namespace Signing.Server.Tests;

/// <summary>
/// Finding an application, by id or for its applicant, with all 81 provinces served: one database round trip whatever the
/// number of tenants (counted from Npgsql's own trace of every command it sends), and the same refusals as ever.
/// </summary>
public sealed class TenantLookupTests(TenantLookupTests.World world) : IClassFixture<TenantLookupTests.World>
{
    private static readonly Tckn MersinOfficer = Tckn.Parse("16384729550");
    private static readonly Tckn DuzceOfficer = Tckn.Parse("27495816350");
    private static readonly Applicant Doctor = new(Tckn.Parse("12345678950"), PersonName.Parse("Ayşe Yılmaz"), ApplicantCategory.Doctor);
    private static readonly Applicant Other = new(Tckn.Parse("28473956150"), PersonName.Parse("Zeynep Koç"), ApplicantCategory.Doctor);

    private readonly ApplicationStore _applications = world.Applications;
    private readonly TenantCatalog _all = world.All;
    private readonly IReadOnlyDictionary<string, Guid> _doctorIn = world.DoctorIn;

    /// <summary>A database of its own with the doctor's applications in three provinces (the last of the 81 among them).</summary>
    public sealed class World : IAsyncLifetime
    {
        private readonly PostgresFixture _postgres = new();
        private DocumentStore _store = null!;
        public ApplicationStore Applications { get; private set; } = null!;
        public TenantCatalog All { get; } = Catalog(Provinces.All.Select(p => p.Code));
        public Dictionary<string, Guid> DoctorIn { get; } = new();

        public async Task InitializeAsync()
        {
            await _postgres.InitializeAsync();
            _store = SigningStore.CreateDocumentStore(_postgres.ConnectionString);
            Applications = new ApplicationStore(_store);
            var at = new DateTimeOffset(2024, 3, 12, 9, 0, 0, TimeSpan.FromHours(3));
            foreach (var (code, hours) in new[] { ("33", 0), ("40", 1), ("81", 2) })
                DoctorIn[code] = await SubmitAsync(All.Find(code)!, Doctor, at.AddHours(hours));
            await SubmitAsync(All.Find("33")!, Other, at);
            // Npgsql loads its type catalogue on a data source's first connection: done here, not inside a count.
            await Applications.FindAsync(Guid.NewGuid());
        }

        public async Task DisposeAsync()
        {
            _store.Dispose();
            await _postgres.DisposeAsync();
        }

        private async Task<Guid> SubmitAsync(TenantSettings tenant, Applicant applicant, DateTimeOffset at)
        {
            var notAfter = at.AddDays(45);
            var requestId = "lookup-" + Guid.NewGuid().ToString("N");
            var command = new SubmitRenewal(Guid.Empty, requestId, tenant, applicant, new Contact("kisi@example.org", "+90 532 000 00 00"),
                "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin", new CertificateFacts(notAfter, "11".PadRight(64, '2')),
                new Confirmation.ESigned(new SignatureFacts(Indication.Passed, applicant.Tckn.Value, notAfter, "ab".PadRight(64, 'c'), SigningTime: at)),
                at, Submitter: SubmitRenewal.ApplicantSubmitter(applicant.Tckn.Value), ContentSha256: new string('0', 64));
            var result = await Applications.SubmitAsync(tenant.ProvinceCode, command);
            Assert.True(result.Ok, "submission failed: " + result.Failure);
            return result.Value!.ApplicationId;
        }
    }

    [Fact]
    public async Task An_unknown_id_is_NOT_FOUND_after_one_round_trip()
    {
        var (trips, error) = await RoundTrips.CountAsync(() => Assert.ThrowsAsync<ServiceError>(
            () => Locate(_all).LocateAsync(Guid.NewGuid(), System(SystemScopes.AllTenants), CancellationToken.None)));
        Assert.Equal(StatusCode.NotFound, error.Code);
        Assert.Equal(1, trips);
    }

    [Fact]
    public async Task An_application_of_the_last_tenant_is_found_after_one_round_trip()
    {
        var (trips, found) = await RoundTrips.CountAsync(
            () => Locate(_all).LocateAsync(_doctorIn["81"], Officer(DuzceOfficer, "81"), CancellationToken.None));
        Assert.Equal(1, trips);
        Assert.Equal("81", found.Tenant.ProvinceCode);
        Assert.Equal(_doctorIn["81"], found.View.Id);
        Assert.Equal(Doctor.Tckn.Value, found.View.ApplicantTckn);
    }

    [Fact]
    public async Task The_refusals_stay_as_strict_with_81_tenants()
    {
        var id = _doctorIn["81"];
        var locate = Locate(_all);
        // An officer of another directorate, and a system client acting for others only: PERMISSION_DENIED, one trip each.
        var (trips, officer) = await RoundTrips.CountAsync(() => Assert.ThrowsAsync<ServiceError>(
            () => locate.LocateAsync(id, Officer(MersinOfficer, "33"), CancellationToken.None)));
        Assert.Equal((StatusCode.PermissionDenied, 1), (officer.Code, trips));
        var system = await Assert.ThrowsAsync<ServiceError>(() => locate.LocateAsync(id, System("01"), CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, system.Code);
        // Another applicant learns nothing: NOT_FOUND, as for an id that does not exist.
        var stranger = await Assert.ThrowsAsync<ServiceError>(() => locate.LocateAsync(id, Applicant(Other), CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, stranger.Code);
        // The applicant, a system client of that directorate and its officer may see it.
        Assert.Equal(id, (await locate.LocateAsync(id, Applicant(Doctor), CancellationToken.None)).View.Id);
        Assert.Equal(id, (await locate.LocateAsync(id, System("81"), CancellationToken.None)).View.Id);
        // A server that does not serve the application's directorate does not find it, even for its applicant.
        var elsewhere = await Assert.ThrowsAsync<ServiceError>(
            () => Locate(Catalog(["33", "01"])).LocateAsync(id, Applicant(Doctor), CancellationToken.None));
        Assert.Equal(StatusCode.NotFound, elsewhere.Code);
    }

    [Fact]
    public async Task ListMine_reads_every_tenant_in_one_round_trip_newest_first_and_pages()
    {
        var (trips, mine) = await RoundTrips.CountAsync(() => Locate(_all).ListMineAsync(Applicant(Doctor), 0, 10, CancellationToken.None));
        Assert.Equal(1, trips);
        Assert.Equal([_doctorIn["81"], _doctorIn["40"], _doctorIn["33"]], mine.Select(v => v.Id));
        Assert.All(mine, v => Assert.Equal(Doctor.Tckn.Value, v.ApplicantTckn));
        Assert.Equal([_doctorIn["40"]], (await Locate(_all).ListMineAsync(Applicant(Doctor), 1, 1, CancellationToken.None)).Select(v => v.Id));
        // Only the tenants this server serves.
        Assert.Equal([_doctorIn["33"]], (await Locate(Catalog(["33", "01"])).ListMineAsync(Applicant(Doctor), 0, 10, CancellationToken.None)).Select(v => v.Id));
    }

    [Fact]
    public async Task An_application_is_found_by_its_code_in_any_tenant_in_one_round_trip()
    {
        var id = _doctorIn["40"];
        var (trips, found) = await RoundTrips.CountAsync(() => _applications.FindByCodeAsync(ApplicationCode.From(id)));
        Assert.Equal(1, trips);
        Assert.Equal(id, Assert.Single(found).Id);
        Assert.Empty(await _applications.FindByCodeAsync("00000-00000"));
    }

    private Applications Locate(TenantCatalog tenants) => new(_applications, tenants, NullLogger<Applications>.Instance, TimeProvider.System);

    private static TenantCatalog Catalog(IEnumerable<string> codes) => new(codes.Select(code => new TenantSettings(code,
        Provinces.Find(code)!.DirectorateName, Money.Tl(780.00m), Iban.Parse(SyntheticProvinces.Iban(code)), "HALK BANKASI",
        Provinces.Find(code)!.UpperName + " İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", "İl Sağlık Müdürlüğü", "",
        code switch { "33" => [MersinOfficer], "81" => [DuzceOfficer], _ => [] })));

    private static Caller Officer(Tckn tckn, string tenant) => new(tckn.Value, "officer", new HashSet<string> { Roles.Officer }, tenant);

    private static Caller Applicant(Applicant a) => new(a.Tckn.Value, a.Name.ToString(), new HashSet<string> { Roles.Applicant }, null);

    private static Caller System(string tenant) => new("", "portal", new HashSet<string> { Roles.System }, null)
    {
        Grant = new SystemGrant(new HashSet<string>(SystemScopes.All), new HashSet<string> { tenant }),
    };
}
