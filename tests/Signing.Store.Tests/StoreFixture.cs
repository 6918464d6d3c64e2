using Marten;
using Signing.Domain;
using Signing.Store;
using Signing.TestKit;

namespace Signing.Store.Tests;

/// <summary>
/// One fresh, migrated database and one Marten store for the whole Store test run (migration costs seconds);
/// tests keep apart by tenant code and request ids.
/// </summary>
public sealed class StoreFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    /// <summary>The runtime role's: the store runs with the server's rights.</summary>
    public string ConnectionString => _postgres.ConnectionString;
    public string OwnerConnectionString => _postgres.OwnerConnectionString;
    public PostgresFixture Postgres => _postgres;
    public DocumentStore Store { get; private set; } = null!;
    public ApplicationStore Applications { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Store = SigningStore.CreateDocumentStore(_postgres.ConnectionString);
        Applications = new ApplicationStore(Store);
    }

    public async Task DisposeAsync()
    {
        Store.Dispose();
        await _postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<StoreFixture>
{
    public const string Name = "store";
}

public static class Data
{
    public static readonly DateTimeOffset Now = new(2024, 3, 12, 9, 0, 0, TimeSpan.FromHours(3));

    public static readonly Tckn Officer1 = Tckn.Parse("16384729550");
    public static readonly Tckn Officer2 = Tckn.Parse("27495816350");
    public static readonly Tckn OfficerAdana = Tckn.Parse("38516947250");

    public static readonly Applicant Doctor = new(Tckn.Parse("12345678950"), PersonName.Parse("Ayşe Yılmaz"), ApplicantCategory.Doctor);
    public static readonly Applicant Doctor2 = new(Tckn.Parse("28473956150"), PersonName.Parse("Zeynep Koç"), ApplicantCategory.Doctor);
    public static readonly Applicant Manager = new(Tckn.Parse("31945780276"), PersonName.Parse("Mehmet Öztürk"), ApplicantCategory.Manager);
    public static readonly Applicant FpExpiring = new(Tckn.Parse("40618273540"), PersonName.Parse("Gülşen Çelik"), ApplicantCategory.FamilyPhysician);
    public static readonly Applicant FpExpired = new(Tckn.Parse("51287394672"), PersonName.Parse("İsmail Şahin"), ApplicantCategory.FamilyPhysician);
    public static readonly Applicant Individual = new(Tckn.Parse("62739148538"), PersonName.Parse("Ömer Güneş"), ApplicantCategory.Individual);
    public static readonly Applicant[] Doctors =
    [
        Doctor, Doctor2, Manager, new(Tckn.Parse("73518462950"), PersonName.Parse("Hüseyin Kaya"), ApplicantCategory.Doctor),
        new(Tckn.Parse("84159273638"), PersonName.Parse("Şükrü Doğan"), ApplicantCategory.Doctor),
        new(Tckn.Parse("95826137450"), PersonName.Parse("Çiğdem Aydın"), ApplicantCategory.Doctor),
    ];

    private static int _tenants;

    /// <summary>A tenant code of its own for a test that counts rows (the real codes "33"/"01" are for the isolation test).</summary>
    public static string NewTenant() => "t" + Interlocked.Increment(ref _tenants).ToString("000") + Guid.NewGuid().ToString("N")[..6];

    public static TenantSettings Tenant(string code, int approvals = 1) =>
        TenantSettings.Mersin([Officer1, Officer2], approvals) with { ProvinceCode = code };

    public static readonly TenantSettings Adana = new("01", "Adana İl Sağlık Müdürlüğü", Money.Tl(780.00m),
        Iban.Parse("TR120001000100000012345678"), "HALK BANKASI", "ADANA İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ",
        "İl Sağlık Müdürlüğü, Adana", "eimza.adana@example.org", [OfficerAdana]);

    public static SignatureFacts Signed(Tckn signer, DateTimeOffset notAfter) =>
        new(Indication.Passed, signer.Value, notAfter, "ab".PadRight(64, 'c'), SigningTime: Now);

    public static SubmitRenewal Submit(TenantSettings tenant, Applicant a, string requestId, Confirmation? confirmation = null,
        DateTimeOffset? notAfter = null, DateTimeOffset? at = null)
    {
        var expiry = notAfter ?? Now.AddDays(45);
        return new SubmitRenewal(Guid.Empty, requestId, tenant, a, new Contact("kisi@example.org", "+90 532 000 00 00"),
            "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin", new CertificateFacts(expiry, "11".PadRight(64, '2')),
            confirmation ?? new Confirmation.ESigned(Signed(a.Tckn, expiry)), at ?? Now,
            Submitter: SubmitRenewal.ApplicantSubmitter(a.Tckn.Value), ContentSha256: ContentOf(a, requestId));
    }

    /// <summary>The content hash a retry of <see cref="Submit"/> repeats (the same applicant's form under the same request id).</summary>
    public static string ContentOf(Applicant a, string requestId) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(a.Tckn.Value + "/" + requestId)));

    /// <summary>An e-Onay confirmation of the applicant with its own nonce: the material a second application may not reuse.</summary>
    public static Confirmation EOnay(Applicant a, string nonce) => new Confirmation.EOnay(new EOnayFacts(Indication.Passed, a.Tckn.Value, nonce, Now));

    /// <summary>An e-signed form with the signed attributes' hash the verifier would report.</summary>
    public static Confirmation ESignedOnce(Applicant a, string signedAttributesSha256) =>
        new Confirmation.ESigned(Signed(a.Tckn, Now.AddDays(45)) with { SignedAttributesSha256 = signedAttributesSha256 });

    public static Approve Approve(TenantSettings t, Tckn officer) =>
        new(t, officer, new OfficerSignature([7, 7, 7], Signed(officer, Now.AddDays(900))), Now.AddHours(1));

    public static Reject Reject(TenantSettings t, Tckn officer, string reason) =>
        new(t, officer, reason, new OfficerSignature([7, 7, 7], Signed(officer, Now.AddDays(900))), Now.AddHours(1));

    public static Receipt ReceiptOf(Applicant a, TenantSettings t) =>
        new(t.Fee, t.FeeIban, DateOnly.FromDateTime(Now.Date), $"{a.Name.Upper}-{a.Tckn.Value} / AÇIKLAMA = NES 3 YILLIK BAŞVURUSU",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    public static string RequestId() => "req-" + Guid.NewGuid().ToString("N");

    public static T Ok<T>(StoreResult<T> result)
    {
        Assert.True(result.Ok, "expected success, got " + result.Failure);
        return result.Value!;
    }
}

/// <summary>A commit observer whose action a test sets (or changes) while the store is in use.</summary>
public sealed class CommitHook : IStoreCommitObserver
{
    public Func<string, Task>? Before { get; set; }

    public Task BeforeCommitAsync(string tenant) => Before?.Invoke(tenant) ?? Task.CompletedTask;
}
