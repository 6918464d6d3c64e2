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

    private static IServiceProvider Services(Dictionary<string, string?> settings)
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

    [Theory]
    [InlineData("Signing:Tenants:0:FeeIban", "TR00 1234", "Signing:Tenants (33): FeeIban is not a valid IBAN")]
    [InlineData("Signing:Tenants:1:Fee", "", "Signing:Tenants (01): Fee is required")]
    [InlineData("Signing:Tenants:0:ApprovalsRequired", "0", "Signing:Tenants (33): ApprovalsRequired must be at least 1 (was 0)")]
    [InlineData("Signing:Tenants:1:Code", "33", "Signing:Tenants: code 33 is configured twice")]
    [InlineData("Signing:Officers:99:0", "16384729550", "Signing:Officers:99: no tenant with code 99 in Signing:Tenants")]
    [InlineData("Signing:Officers:33:0", "12345678901", "Signing:Tenants (33): officer '123********' is not a valid TCKN")]
    public void Tenant_settings_that_cannot_work_are_refused(string key, string value, string expected) =>
        Assert.Contains(expected, Refused<TenantsOptions>(new() { [key] = value }));

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
