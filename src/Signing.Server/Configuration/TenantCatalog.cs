using System.Text.Json;
using Signing.Domain;

namespace Signing.Server.Configuration;

/// <summary>
/// The directorates this server serves (Signing:Tenants), with their officers. Officers come from configuration
/// (Signing:Tenants:N:Officers, TCKNs) and, in the hsm-sim test world, from the world's manifest (personas with role officer).
/// </summary>
public sealed class TenantCatalog
{
    private readonly Dictionary<string, TenantSettings> _tenants;

    public TenantCatalog(IEnumerable<TenantSettings> tenants)
    {
        _tenants = tenants.ToDictionary(t => t.ProvinceCode);
        if (_tenants.Count == 0)
            throw new InvalidOperationException("no tenants configured (Signing:Tenants)");
        Default = tenants.First();
    }

    public TenantSettings Default { get; }
    public IReadOnlyCollection<TenantSettings> All => _tenants.Values;

    public TenantSettings? Find(string? code) => code is not null && _tenants.TryGetValue(code, out var t) ? t : null;

    /// <summary>The tenant whose officer this TCKN is, if any.</summary>
    public TenantSettings? OfficerTenant(Tckn tckn) => _tenants.Values.FirstOrDefault(t => t.IsOfficer(tckn));

    public static TenantCatalog Load(IConfiguration configuration)
    {
        var fromManifest = OfficersFromManifest(configuration);
        var tenants = new List<TenantSettings>();
        foreach (var section in configuration.GetSection("Signing:Tenants").GetChildren())
        {
            var code = Required(section, "Code");
            var officers = section.GetSection("Officers").Get<string[]>() ?? [];
            var all = officers.Select(o => Tckn.TryParse(o, out var t) ? t
                    : throw new InvalidOperationException($"Signing:Tenants ({code}): officer '{Tckn.Mask(o)}' is not a valid TCKN"))
                .Concat(fromManifest.Where(m => m.Tenant == code).Select(m => m.Tckn))
                .Distinct().ToList();
            if (!Money.TryParse(Required(section, "Fee"), out var fee))
                throw new InvalidOperationException($"Signing:Tenants ({code}): Fee is not an amount");
            if (!Iban.TryParse(Required(section, "FeeIban"), out var iban))
                throw new InvalidOperationException($"Signing:Tenants ({code}): FeeIban is not a valid IBAN");
            tenants.Add(new TenantSettings(code, Required(section, "Name"), fee, iban, Required(section, "FeeBank"),
                Required(section, "FeeRecipient"), Required(section, "DeskAddress"), section["OfficerEmail"] ?? "", all,
                section.GetValue("ApprovalsRequired", 1)));
        }
        return new TenantCatalog(tenants);
    }

    private static string Required(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } v ? v : throw new InvalidOperationException($"{section.Path}:{key} is required");

    /// <summary>The hsm-sim world's officers (test world only: its manifest is named by SIGNING_HSM_MANIFEST).</summary>
    private static List<(string Tenant, Tckn Tckn)> OfficersFromManifest(IConfiguration configuration)
    {
        var path = configuration["SIGNING_HSM_MANIFEST"];
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            return [];
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("personas").EnumerateArray()
            .Where(p => p.GetProperty("role").GetString() == "officer" && p.TryGetProperty("tckn", out _))
            .Select(p => (p.GetProperty("tenant").GetString()!, Tckn.Parse(p.GetProperty("tckn").GetString()!)))
            .ToList();
    }
}
