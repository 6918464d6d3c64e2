using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Signing.Server.Configuration;
using Signing.Store;

namespace Signing.Server.Tests;

/// <summary>
/// Each setting's rule, checked as the server checks it at start (bound from configuration, then validated); a refusal
/// names the key and the value found. No I/O: the files and services the settings name are the start-up checks' part.
/// </summary>
public sealed class SettingsValidationTests
{
    private static readonly string AppSettings = Path.Combine(Signing.TestKit.LocalWorld.RepositoryRoot, "src", "Signing.Server", "appsettings.json");

    /// <summary>The options as the server binds and validates them at start, over the shipped appsettings.json.</summary>
    internal static IServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(AppSettings)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Signing:TrustConfiguration"] = "/etc/signing/trust.json" })
            .AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSigningOptions(configuration).BuildServiceProvider();
    }

    private static string Refused<T>(Dictionary<string, string?> settings) where T : class =>
        Assert.Throws<OptionsValidationException>(() => Services(settings).GetRequiredService<IOptions<T>>().Value).Message;

    [Fact]
    public void The_shipped_appsettings_with_a_trust_file_pass_every_rule()
    {
        var services = Services([]);
        Assert.Equal(5080, services.GetRequiredService<IOptions<ServerOptions>>().Value.GrpcPort);
        Assert.Equal(256, services.GetRequiredService<IOptions<GroupCommitOptions>>().Value.MaxBatch);
        Assert.True(services.GetRequiredService<IOptions<GroupCommitSwitch>>().Value.Enabled);
        Assert.Equal(64, services.GetRequiredService<IOptions<ReceiptOptions>>().Value.MaxBatch);
        Assert.Equal("SIGNING_SERVER_PIN", services.GetRequiredService<IOptions<ServerKeyOptions>>().Value.PinEnvironmentVariable);
        var catalog = TenantCatalog.From(services.GetRequiredService<IOptions<TenantsOptions>>().Value);
        Assert.Equal("33", catalog.Default.ProvinceCode);
        Assert.Equal(2, catalog.All.Count);
    }

    [Theory]
    [InlineData("Signing:GroupCommit:MaxBatch", "-5", "Signing:GroupCommit:MaxBatch must be at least 1 (was -5)")]
    [InlineData("Signing:GroupCommit:MaxInFlight", "0", "Signing:GroupCommit:MaxInFlight must be at least 1 (was 0)")]
    [InlineData("Signing:GroupCommit:MaxWaitMicroseconds", "-1", "Signing:GroupCommit:MaxWaitMicroseconds must be at least 0 (was -1)")]
    public void Group_commit_limits_below_their_minimum_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Refused<GroupCommitOptions>(new() { [key] = value }));

    [Theory]
    [InlineData("Signing:GrpcPort", "0", "Signing:GrpcPort must be a port from 1 to 65535 (was 0)")]
    [InlineData("Signing:RestPort", "70000", "Signing:RestPort must be a port from 0 (none) to 65535 (was 70000)")]
    [InlineData("Signing:RestPort", "5080", "Signing:RestPort must differ from Signing:GrpcPort (both 5080)")]
    [InlineData("Signing:ListenAddress", "localhost", "Signing:ListenAddress must be an IP address (was 'localhost')")]
    [InlineData("Signing:MaxMessageBytes", "10", "Signing:MaxMessageBytes must be at least 1024 (was 10)")]
    [InlineData("Signing:TrustConfiguration", "", "Signing:TrustConfiguration is not set")]
    public void Host_settings_out_of_range_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Refused<ServerOptions>(new() { [key] = value }));

    [Theory]
    [InlineData("Signing:Auth:TokenKey", "c2hvcnQ=", "Signing:Auth:TokenKey must be base64 of at least 32 bytes")]
    [InlineData("Signing:Auth:TokenMinutes", "0", "Signing:Auth:TokenMinutes must be at least 1 (was 0)")]
    [InlineData("Signing:Auth:SystemKeys:hr", "too-short", "Signing:Auth:SystemKeys:hr must be at least 16 characters")]
    [InlineData("Signing:Auth:SystemCertificates:hr", "abc", "Signing:Auth:SystemCertificates:hr must be the SHA-256")]
    public void Authentication_settings_that_cannot_work_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Refused<AuthOptions>(new() { [key] = value }));

    private static readonly string Key32 = Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData("a", "c2hvcnQ=", "b", null, "Signing:Auth:TokenKeys:0:Key must be base64 of at least 32 bytes")]
    [InlineData("a", "not base64!", "b", null, "Signing:Auth:TokenKeys:0:Key must be base64 of at least 32 bytes")]
    [InlineData("a", null, "a", null, "Signing:Auth:TokenKeys:1:Id 'a' is already the id of Signing:Auth:TokenKeys:0: every key needs an id of its own")]
    [InlineData("a", null, "", null, "Signing:Auth:TokenKeys:1:Id must be set")]
    [InlineData("a", null, "b", "", "Signing:Auth:TokenKeys:1:Key must be set")]
    public void A_token_key_ring_that_cannot_work_is_refused_naming_the_entry(string id0, string? key0, string id1, string? key1, string expected)
    {
        var message = Refused<AuthOptions>(new()
        {
            ["Signing:Auth:TokenKeys:0:Id"] = id0,
            ["Signing:Auth:TokenKeys:0:Key"] = key0 ?? Key32,
            ["Signing:Auth:TokenKeys:1:Id"] = id1,
            ["Signing:Auth:TokenKeys:1:Key"] = key1 ?? Key32,
        });
        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_token_key_and_a_ring_together_are_refused()
    {
        var message = Refused<AuthOptions>(new()
        {
            ["Signing:Auth:TokenKey"] = Key32,
            ["Signing:Auth:TokenKeys:0:Id"] = "a",
            ["Signing:Auth:TokenKeys:0:Key"] = Key32,
        });
        Assert.Contains("Signing:Auth:TokenKey and Signing:Auth:TokenKeys are both set: set one", message);
    }

    [Fact]
    public void A_ring_binds_current_key_first_and_counts_as_the_required_key()
    {
        var auth = Services(new()
        {
            ["Signing:Auth:TokenKeys:0:Id"] = "new",
            ["Signing:Auth:TokenKeys:0:Key"] = Key32,
            ["Signing:Auth:TokenKeys:1:Id"] = "old",
            ["Signing:Auth:TokenKeys:1:Key"] = Convert.ToBase64String(new byte[48]),
        }).GetRequiredService<IOptions<AuthOptions>>().Value;
        Assert.Equal(["new", "old"], auth.TokenKeyRing().Select(k => k.Id));
        Assert.Equal(["new", "old"], new Signing.Server.Auth.SessionTokens(auth, TimeProvider.System).KeyIds);
    }

    private const string CourierKey = "courier-key-0123456789";

    [Theory]
    [InlineData("", "", "Signing:Auth:SystemClients:courier:Scopes must name what the system client 'courier' may do (one or more of applications:submit, ")]
    [InlineData("delivery:record", "", "Signing:Auth:SystemClients:courier:Tenants must name the directorates the system client 'courier' acts for")]
    [InlineData("applications:delete", "33", "Signing:Auth:SystemClients:courier:Scopes: 'applications:delete' is not a scope")]
    [InlineData("delivery:record", "3", "Signing:Auth:SystemClients:courier:Tenants: no tenant with code 3 in Signing:Tenants")]
    public void A_system_client_without_scopes_and_tenants_is_refused(string scope, string tenant, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Signing:Auth:SystemKeys:courier"] = CourierKey };
        if (scope.Length > 0)
            settings["Signing:Auth:SystemClients:courier:Scopes:0"] = scope;
        if (tenant.Length > 0)
            settings["Signing:Auth:SystemClients:courier:Tenants:0"] = tenant;
        Assert.Contains(expected, Refused<AuthOptions>(settings));
    }

    [Fact]
    public void A_grant_without_a_key_or_certificate_is_refused() =>
        Assert.Contains("Signing:Auth:SystemClients:curier has neither a key (Signing:Auth:SystemKeys:curier) nor a certificate pin",
            Refused<AuthOptions>(new()
            {
                ["Signing:Auth:SystemKeys:courier"] = CourierKey,
                ["Signing:Auth:SystemClients:courier:Scopes:0"] = "delivery:record",
                ["Signing:Auth:SystemClients:courier:Tenants:0"] = "33",
                ["Signing:Auth:SystemClients:curier:Scopes:0"] = "delivery:record",
                ["Signing:Auth:SystemClients:curier:Tenants:0"] = "33",
            }));

    [Fact]
    public void A_system_client_with_scopes_and_tenants_passes()
    {
        var auth = Services(new()
        {
            ["Signing:Auth:TokenKey"] = Convert.ToBase64String(new byte[32]),
            ["Signing:Auth:SystemKeys:Courier"] = CourierKey,
            ["Signing:Auth:SystemClients:courier:Scopes:0"] = "delivery:record",
            ["Signing:Auth:SystemClients:courier:Scopes:1"] = "applications:read",
            ["Signing:Auth:SystemClients:courier:Tenants:0"] = "33",
        }).GetRequiredService<IOptions<AuthOptions>>().Value;
        var grant = auth.GrantOf("Courier")!; // configuration names are case-insensitive
        Assert.True(grant.Has("delivery:record") && grant.Has("applications:read") && !grant.Has("applications:withdraw"));
        Assert.True(grant.Serves("33") && !grant.Serves("01"));
    }

    [Fact]
    public void A_receipt_batch_below_one_is_refused() =>
        Assert.Contains("Signing:Receipts:MaxBatch must be at least 1 (was 0)", Refused<ReceiptOptions>(new() { ["Signing:Receipts:MaxBatch"] = "0" }));

    private static TenantCatalog Catalog(Dictionary<string, string?> settings) =>
        TenantCatalog.From(Services(settings).GetRequiredService<IOptions<TenantsOptions>>().Value);

    [Theory]
    [InlineData("Signing:Tenants:0:FeeIban", "TR00 1234", "Signing:Tenants (33): FeeIban is not a valid IBAN")]
    [InlineData("Signing:TenantDefaults:Fee", "", "Signing:Tenants (33): Fee is required (set it on the tenant or in Signing:TenantDefaults)")]
    [InlineData("Signing:Tenants:1:DeskAddress", " ", "Signing:Tenants (01): DeskAddress is required")]
    [InlineData("Signing:Tenants:0:ApprovalsRequired", "0", "Signing:Tenants (33): ApprovalsRequired must be at least 1 (was 0)")]
    [InlineData("Signing:Tenants:1:Code", "33", "Signing:Tenants: code 33 is configured twice")]
    [InlineData("Signing:Tenants:1:Code", "99", "Signing:Tenants (99): not a province plate code (01–81)")]
    [InlineData("Signing:Tenants:1:Code", "1", "Signing:Tenants (1): not a province plate code (01–81)")]
    [InlineData("Signing:Tenants:1:Code", "901", "Signing:Tenants (901): not a province plate code (01–81)")]
    [InlineData("Signing:Tenants:1:Code", "", "Signing:Tenants (2. entry): Code is required")]
    [InlineData("Signing:TenantDefaults:Fee", "yedi yüz", "Signing:TenantDefaults: Fee is not an amount")]
    [InlineData("Signing:TenantDefaults:FeeIban", "TR00 1234", "Signing:TenantDefaults: FeeIban is not a valid IBAN")]
    [InlineData("Signing:TenantDefaults:ApprovalsRequired", "0", "Signing:TenantDefaults: ApprovalsRequired must be at least 1 (was 0)")]
    [InlineData("Signing:Officers:99:0", "16384729550", "Signing:Officers:99: no tenant with code 99 in Signing:Tenants")]
    [InlineData("Signing:Officers:35:0", "16384729550", "Signing:Officers:35: no tenant with code 35 in Signing:Tenants")]
    [InlineData("Signing:Officers:33:0", "12345678901", "Signing:Tenants (33): officer '123********' is not a valid TCKN")]
    public void Tenant_settings_that_cannot_work_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Refused<TenantsOptions>(new() { [key] = value }));

    [Fact]
    public void A_tenant_without_a_fee_of_its_own_or_a_default_is_refused_naming_it()
    {
        var message = Refused<TenantsOptions>(new()
        {
            ["Signing:TenantDefaults:Fee"] = "",
            ["Signing:Tenants:0:Fee"] = "780.00",
        });
        Assert.Contains("Signing:Tenants (01): Fee is required", message); // Mersin has its own; Adana relied on the default
    }

    [Fact]
    public void The_shipped_tenants_take_their_names_and_Mersins_fee_recipient_from_the_catalog_and_the_fee_from_the_defaults()
    {
        var catalog = Catalog([]);
        var mersin = catalog.Find("33")!;
        var adana = catalog.Find("01")!;
        Assert.Equal("Mersin İl Sağlık Müdürlüğü", mersin.Name);
        Assert.Equal("Adana İl Sağlık Müdürlüğü", adana.Name);
        Assert.Equal("MERSİN İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", mersin.FeeRecipient);
        Assert.Equal("ADANA İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ (test)", adana.FeeRecipient); // set: kept
        Assert.Equal([780.00m, 780.00m], new[] { mersin.Fee.Amount, adana.Fee.Amount });
        Assert.Equal((2, 1), (mersin.ApprovalsRequired, adana.ApprovalsRequired));
        Assert.Equal("hasanburak.akgul@saglik.gov.tr", mersin.OfficerEmail);
        // The seed's directorate as the domain knows it is what the shipped settings make.
        Assert.Equal(Signing.Domain.TenantSettings.Mersin([], 2) with { Officers = mersin.Officers }, mersin);
    }

    [Fact]
    public void A_name_set_on_a_tenant_is_kept()
    {
        var catalog = Catalog(new() { ["Signing:Tenants:0:Name"] = "T.C. Mersin Valiliği İl Sağlık Müdürlüğü" });
        Assert.Equal("T.C. Mersin Valiliği İl Sağlık Müdürlüğü", catalog.Find("33")!.Name);
        Assert.Equal("Adana İl Sağlık Müdürlüğü", catalog.Find("01")!.Name);
    }

    [Fact]
    public void Tenant_defaults_fill_what_a_tenant_leaves_unset_and_nothing_it_sets()
    {
        var catalog = Catalog(new()
        {
            ["Signing:TenantDefaults:FeeBank"] = "T.C. ZİRAAT BANKASI",
            ["Signing:TenantDefaults:OfficerEmail"] = "esign@saglik.gov.tr",
            ["Signing:TenantDefaults:ApprovalsRequired"] = "3",
            ["Signing:TenantDefaults:DeskAddress"] = "İl Sağlık Müdürlüğü, Sağlık Bilgi Sistemleri Birimi",
            ["Signing:Tenants:2:Code"] = "35",
            ["Signing:Tenants:2:FeeIban"] = Signing.Bench.Shared.SyntheticProvinces.Iban("35"),
        });
        var izmir = catalog.Find("35")!;
        Assert.Equal("İzmir İl Sağlık Müdürlüğü", izmir.Name);
        Assert.Equal("T.C. ZİRAAT BANKASI", izmir.FeeBank);
        Assert.Equal("esign@saglik.gov.tr", izmir.OfficerEmail);
        Assert.Equal("İl Sağlık Müdürlüğü, Sağlık Bilgi Sistemleri Birimi", izmir.DeskAddress);
        Assert.Equal(3, izmir.ApprovalsRequired);
        Assert.Equal(780.00m, izmir.Fee.Amount);
        Assert.Equal("İZMİR İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", izmir.FeeRecipient); // Turkish casing: İ, not I
        var mersin = catalog.Find("33")!;
        Assert.Equal("HALK BANKASI", mersin.FeeBank);
        Assert.Equal("hasanburak.akgul@saglik.gov.tr", mersin.OfficerEmail);
        Assert.Equal(2, mersin.ApprovalsRequired);
        Assert.Equal(3, catalog.Find("01")!.ApprovalsRequired); // Adana leaves it unset
    }

    [Fact]
    public void A_fee_recipient_in_the_defaults_wins_over_the_catalogs()
    {
        var catalog = Catalog(new() { ["Signing:TenantDefaults:FeeRecipient"] = "SAĞLIK BAKANLIĞI DÖNER SERMAYE" });
        Assert.Equal("SAĞLIK BAKANLIĞI DÖNER SERMAYE", catalog.Find("33")!.FeeRecipient);
        Assert.Equal("ADANA İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ (test)", catalog.Find("01")!.FeeRecipient);
    }

    [Fact]
    public void All_81_provinces_configure_with_only_what_differs_and_take_officers_by_code()
    {
        var settings = Signing.Bench.Shared.SyntheticProvinces.Settings(Signing.Bench.Shared.SyntheticProvinces.AllCodes)
            .ToDictionary(s => s.Key, s => (string?)s.Value);
        settings["Signing:Officers:76:0"] = "38516947250";
        var catalog = Catalog(settings);

        Assert.Equal(81, catalog.All.Count);
        Assert.All(Signing.Domain.Provinces.All, p => Assert.Equal(p.DirectorateName, catalog.Find(p.Code)!.Name));
        Assert.Equal("IĞDIR İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ", catalog.Find("76")!.FeeRecipient);
        Assert.Equal("76", catalog.OfficerTenant(Signing.Domain.Tckn.Parse("38516947250"))!.ProvinceCode);
        Assert.Equal(Signing.Bench.Shared.SyntheticProvinces.Iban("76"), catalog.Find("76")!.FeeIban.Value);
        Assert.Equal("33", catalog.Default.ProvinceCode);
    }

    [Fact]
    public void Officers_listed_by_tenant_code_join_the_tenants_own()
    {
        var services = Services(new() { ["Signing:Tenants:0:Officers:0"] = "16384729550", ["Signing:Officers:33:0"] = "27495816350",
            ["Signing:Officers:01:0"] = "38516947250" });
        var catalog = TenantCatalog.From(services.GetRequiredService<IOptions<TenantsOptions>>().Value);

        Assert.Equal(2, catalog.Find("33")!.Officers.Count);
        Assert.Equal("01", catalog.OfficerTenant(Signing.Domain.Tckn.Parse("38516947250"))!.ProvinceCode);
    }
}

/// <summary>The renewal reminders' settings: Signing:Reminders and the SMTP settings each tenant resolves to.</summary>
public sealed class ReminderSettingsValidationTests
{
    private static IServiceProvider Services(Dictionary<string, string?> settings) => SettingsValidationTests.Services(settings);

    private static readonly Dictionary<string, string?> Smtp = new()
    {
        ["Signing:TenantDefaults:Smtp:Host"] = "smtp.example.gov.tr",
        ["Signing:TenantDefaults:Smtp:User"] = "reminders",
        ["Signing:TenantDefaults:Smtp:Password"] = "s3cret-password",
        ["Signing:TenantDefaults:Smtp:FromAddress"] = "e-imza@saglik.example.gov.tr",
    };

    [Fact]
    public void Without_SMTP_settings_no_tenant_sends_reminders_and_with_defaults_every_tenant_does_unless_switched_off()
    {
        var none = Services([]).GetRequiredService<IOptions<TenantsOptions>>().Value;
        Assert.Empty(Signing.Server.Reminders.SmtpSettings.Resolve(none));

        var settings = new Dictionary<string, string?>(Smtp) { ["Signing:Tenants:1:Smtp:Enabled"] = "false" };
        var resolved = Signing.Server.Reminders.SmtpSettings.Resolve(Services(settings).GetRequiredService<IOptions<TenantsOptions>>().Value);
        var mersin = Assert.Single(resolved).Value;
        Assert.Equal("33", mersin.Tenant);
        Assert.Equal(587, mersin.Port);
        Assert.Equal(MailKit.Security.SecureSocketOptions.StartTls, mersin.Security);
        // The settings' printout (a log line) never carries the password.
        Assert.DoesNotContain("s3cret", mersin.ToString());
    }

    [Theory]
    [InlineData("Signing:TenantDefaults:Smtp:Security", "Tls13", "Signing:TenantDefaults:Smtp:Security is StartTls, SslOnConnect or None, not 'Tls13'")]
    [InlineData("Signing:TenantDefaults:Smtp:Security", "None", "Security None would send the password in clear")]
    [InlineData("Signing:TenantDefaults:Smtp:Port", "0", "Signing:TenantDefaults:Smtp:Port must be a port from 1 to 65535 (was 0)")]
    [InlineData("Signing:TenantDefaults:Smtp:FromAddress", "not an address", "FromAddress 'not an address' is not an e-mail address")]
    [InlineData("Signing:TenantDefaults:Smtp:Password", "", "User and Password go together")]
    [InlineData("Signing:TenantDefaults:Smtp:TrustedCertificateFile", "/nonexistent/ca.pem", "TrustedCertificateFile /nonexistent/ca.pem is not a readable certificate")]
    public void SMTP_settings_that_cannot_work_stop_the_start_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>(Smtp) { [key] = value };
        var refused = Assert.Throws<OptionsValidationException>(() => Services(settings).GetRequiredService<IOptions<TenantsOptions>>().Value).Message;
        Assert.Contains(expected, refused);
    }

    [Theory]
    [InlineData("Signing:Reminders:PeriodSeconds", "0", "Signing:Reminders:PeriodSeconds must be at least 1 (was 0)")]
    [InlineData("Signing:Reminders:MaxAttempts", "0", "Signing:Reminders:MaxAttempts must be at least 1 (was 0)")]
    [InlineData("Signing:Reminders:LeaseSeconds", "5", "Signing:Reminders:LeaseSeconds must be at least 30 (was 5)")]
    public void Reminder_limits_below_their_minimum_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Assert.Throws<OptionsValidationException>(() =>
            Services(new() { [key] = value }).GetRequiredService<IOptions<Signing.Server.Reminders.ReminderOptions>>().Value).Message);
}
