using Signing.Domain;

namespace Signing.Server.Configuration;

/// <summary>
/// The directorates this server serves (Signing:Tenants), with their officers: each tenant's own Officers plus those
/// listed for its code under Signing:Officers.
/// </summary>
public sealed class TenantCatalog
{
    private readonly Dictionary<string, TenantSettings> _tenants;

    public TenantCatalog(IEnumerable<TenantSettings> tenants)
    {
        _tenants = tenants.ToDictionary(t => t.ProvinceCode);
        if (_tenants.Count == 0)
            throw new InvalidOperationException("Signing:Tenants: no tenants configured; add at least one directorate");
        Default = tenants.First();
        Codes = [.. _tenants.Keys];
    }

    /// <summary>The tenants' codes.</summary>
    public IReadOnlyList<string> Codes { get; }

    public TenantSettings Default { get; }
    public IReadOnlyCollection<TenantSettings> All => _tenants.Values;

    public TenantSettings? Find(string? code) => code is not null && _tenants.TryGetValue(code, out var t) ? t : null;

    /// <summary>The tenant whose officer this TCKN is, if any.</summary>
    public TenantSettings? OfficerTenant(Tckn tckn) => _tenants.Values.FirstOrDefault(t => t.IsOfficer(tckn));

    /// <summary>The catalogue; an invalid entry throws InvalidOperationException whose message names the setting.</summary>
    public static TenantCatalog From(TenantsOptions options)
    {
        var tenants = new List<TenantSettings>();
        foreach (var tenant in options.Tenants)
        {
            var code = tenant.Code is { Length: > 0 } c ? c : throw new InvalidOperationException($"Signing:Tenants ({tenants.Count + 1}. entry): Code is required");
            string Required(string? value, string key) =>
                value is { Length: > 0 } ? value : throw new InvalidOperationException($"Signing:Tenants ({code}): {key} is required");
            var listed = options.Officers.GetValueOrDefault(code) ?? [];
            var officers = tenant.Officers.Concat(listed)
                .Select(o => Tckn.TryParse(o, out var t) ? t
                    : throw new InvalidOperationException($"Signing:Tenants ({code}): officer '{Tckn.Mask(o)}' is not a valid TCKN"))
                .Distinct().ToList();
            if (!Money.TryParse(Required(tenant.Fee, "Fee"), out var fee))
                throw new InvalidOperationException($"Signing:Tenants ({code}): Fee is not an amount");
            if (!Iban.TryParse(Required(tenant.FeeIban, "FeeIban"), out var iban))
                throw new InvalidOperationException($"Signing:Tenants ({code}): FeeIban is not a valid IBAN");
            if (tenant.ApprovalsRequired < 1)
                throw new InvalidOperationException($"Signing:Tenants ({code}): ApprovalsRequired must be at least 1 (was {tenant.ApprovalsRequired})");
            tenants.Add(new TenantSettings(code, Required(tenant.Name, "Name"), fee, iban, Required(tenant.FeeBank, "FeeBank"),
                Required(tenant.FeeRecipient, "FeeRecipient"), Required(tenant.DeskAddress, "DeskAddress"), tenant.OfficerEmail ?? "",
                officers, tenant.ApprovalsRequired));
        }
        if (tenants.GroupBy(t => t.ProvinceCode).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"Signing:Tenants: code {twice.Key} is configured twice");
        var catalog = new TenantCatalog(tenants);
        if (options.Officers.Keys.FirstOrDefault(code => catalog.Find(code) is null) is { } stranger)
            throw new InvalidOperationException($"Signing:Officers:{stranger}: no tenant with code {stranger} in Signing:Tenants");
        return catalog;
    }
}
