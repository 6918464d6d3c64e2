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

    /// <summary>
    /// The catalogue: each entry's fields, else <c>Signing:TenantDefaults</c>, else the province catalog's (name, fee
    /// recipient) or the rule's (one approval). An invalid entry throws InvalidOperationException whose message names the setting.
    /// </summary>
    public static TenantCatalog From(TenantsOptions options)
    {
        var defaults = options.TenantDefaults;
        CheckDefaults(defaults);
        var tenants = new List<TenantSettings>();
        for (var index = 0; index < options.Tenants.Count; index++)
        {
            var tenant = options.Tenants[index];
            var code = Set(tenant.Code) ?? throw new InvalidOperationException($"Signing:Tenants ({index + 1}. entry): Code is required");
            var province = Provinces.Find(code)
                ?? throw new InvalidOperationException($"Signing:Tenants ({code}): not a province plate code (01–81)");
            string Required(string? own, string? shared, string key) => Set(own) ?? Set(shared)
                ?? throw new InvalidOperationException($"Signing:Tenants ({code}): {key} is required (set it on the tenant or in Signing:TenantDefaults)");
            var listed = options.Officers.GetValueOrDefault(code) ?? [];
            var officers = tenant.Officers.Concat(listed)
                .Select(o => Tckn.TryParse(o, out var t) ? t
                    : throw new InvalidOperationException($"Signing:Tenants ({code}): officer '{Tckn.Mask(o)}' is not a valid TCKN"))
                .Distinct().ToList();
            if (!Money.TryParse(Required(tenant.Fee, defaults.Fee, "Fee"), out var fee))
                throw new InvalidOperationException($"Signing:Tenants ({code}): Fee is not an amount");
            if (!Iban.TryParse(Required(tenant.FeeIban, defaults.FeeIban, "FeeIban"), out var iban))
                throw new InvalidOperationException($"Signing:Tenants ({code}): FeeIban is not a valid IBAN");
            var approvals = tenant.ApprovalsRequired ?? defaults.ApprovalsRequired ?? 1;
            if (approvals < 1)
                throw new InvalidOperationException($"Signing:Tenants ({code}): ApprovalsRequired must be at least 1 (was {approvals})");
            var categoryCheck = Set(tenant.CategoryCheck) ?? Set(defaults.CategoryCheck) ?? nameof(CategoryCheck.Refuse);
            if (!Enum.TryParse<CategoryCheck>(categoryCheck, ignoreCase: true, out var check) || !Enum.IsDefined(check))
                throw new InvalidOperationException($"Signing:Tenants ({code}): CategoryCheck is Refuse or Flag, not '{categoryCheck}'");
            var stages = tenant.ReminderStages is { Count: > 0 } own ? own : defaults.ReminderStages is { Count: > 0 } shared ? shared : null;
            if (stages is not null && ReminderStages.Problem(stages) is { } stageProblem)
                throw new InvalidOperationException($"Signing:Tenants ({code}): ReminderStages: {stageProblem}");
            tenants.Add(new TenantSettings(code, Set(tenant.Name) ?? province.DirectorateName, fee, iban,
                Required(tenant.FeeBank, defaults.FeeBank, "FeeBank"),
                Set(tenant.FeeRecipient) ?? Set(defaults.FeeRecipient) ?? DefaultFeeRecipient(province),
                Required(tenant.DeskAddress, defaults.DeskAddress, "DeskAddress"),
                Set(tenant.OfficerEmail) ?? Set(defaults.OfficerEmail) ?? "",
                officers, approvals, check, stages?.OrderByDescending(d => d).ToList()));
        }
        if (tenants.GroupBy(t => t.ProvinceCode).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"Signing:Tenants: code {twice.Key} is configured twice");
        var catalog = new TenantCatalog(tenants);
        if (options.Officers.Keys.FirstOrDefault(code => catalog.Find(code) is null) is { } stranger)
            throw new InvalidOperationException($"Signing:Officers:{stranger}: no tenant with code {stranger} in Signing:Tenants");
        return catalog;
    }

    /// <summary>The account holder of a directorate's fees, as the ministry names it: its revolving fund.</summary>
    public static string DefaultFeeRecipient(Province province) => province.UpperName + " İL SAĞLIK MÜDÜRLÜĞÜ SERMAYE İŞLETMESİ";

    /// <summary>A default that no tenant overrides would fail as every tenant's: say so once, naming the defaults.</summary>
    private static void CheckDefaults(TenantDefaultsOptions defaults)
    {
        if (Set(defaults.Fee) is { } fee && !Money.TryParse(fee, out _))
            throw new InvalidOperationException("Signing:TenantDefaults: Fee is not an amount");
        if (Set(defaults.FeeIban) is { } iban && !Iban.TryParse(iban, out _))
            throw new InvalidOperationException("Signing:TenantDefaults: FeeIban is not a valid IBAN");
        if (defaults.ApprovalsRequired < 1)
            throw new InvalidOperationException($"Signing:TenantDefaults: ApprovalsRequired must be at least 1 (was {defaults.ApprovalsRequired})");
    }

    // Configuration cannot remove a key a lower layer set, only blank it: blank counts as unset.
    private static string? Set(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
