using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Store;
using StaffCategory = Signing.Domain.StaffCategory;
using Tckn = Signing.Domain.Tckn;

namespace Signing.Server.Services;

/// <summary>
/// Whose NES ends soon in a directorate: for its officers, and for system clients with scope roster:read acting for it.
/// TCKNs leave masked: the list is for finding people, and the officer knows them by name and institution.
/// </summary>
public sealed class ExpiryServiceImpl(Applications applications, ReminderStore reminders, Authenticator auth) : ExpiryService.ExpiryServiceBase
{
    public const int DefaultWithinDays = 90;

    public override async Task<ListExpiringResponse> ListExpiring(ListExpiringRequest request, ServerCallContext context)
    {
        var tenant = await TenantAsync(request.Tenant, context);
        var check = new RequestCheck();
        var within = Within(check, request.WithinDays);
        var category = Category(check, request.Category);
        check.ThrowIfInvalid();
        var size = Paging.Size(request.Page);
        var cursor = Paging.Expiring(request.Page, tenant.ProvinceCode);
        var now = applications.Now;
        var page = await applications.Store.ListExpiringAsync(tenant.ProvinceCode, now, within, cursor, size, category, context.CancellationToken);
        var response = new ListExpiringResponse();
        response.People.AddRange(page.Items.Select(e => Person(e, now)));
        if (page.Next is not null)
            response.NextCursor = Paging.ExpiringCursor(page.Next, tenant.ProvinceCode);
        return response;
    }

    public override async Task<ExpiringStats> GetExpiringStats(GetExpiringStatsRequest request, ServerCallContext context)
    {
        var tenant = await TenantAsync(request.Tenant, context);
        var check = new RequestCheck();
        var within = Within(check, request.WithinDays);
        check.ThrowIfInvalid();
        var counts = await applications.Store.GetExpiringStatsAsync(tenant.ProvinceCode, applications.Now, within, tenant.Reminders, context.CancellationToken);
        var stats = new ExpiringStats { WithinDays = counts.WithinDays, Total = counts.Total };
        stats.ByCategory.AddRange(counts.ByCategory.Select(c => new CategoryCount { Category = ToProto(c.Category), Expiring = c.Expiring, RenewalOpen = c.RenewalOpen }));
        stats.ByStage.AddRange(counts.ByStage.Select(s => new StageCount { StageDays = s.StageDays, People = s.People }));
        var sent = await reminders.ReminderCountsAsync(tenant.ProvinceCode, context.CancellationToken);
        stats.Reminders = new Contracts.V1.ReminderCounts
        {
            Pending = sent.Pending, Sent = sent.Sent, Retrying = sent.Retrying, Failed = sent.Failed, Cancelled = sent.Cancelled,
        };
        return stats;
    }

    private static ExpiringPerson Person(ExpiringEntry e, DateTimeOffset now) => new()
    {
        TcknMasked = Tckn.Mask(e.Tckn),
        Name = e.Name,
        Category = ToProto(e.Category),
        Institution = e.Institution ?? "",
        OnRoster = e.OnRoster,
        NotAfter = Timestamp.FromDateTimeOffset(e.NotAfter),
        DaysLeft = RenewalWindow.DaysLeft(e.NotAfter, now),
        RenewalOpen = e.RenewalOpen,
        ApplicationId = e.RenewalApplicationId?.ToString() ?? "",
        ApplicationStatus = e.RenewalStatus is { } status ? Proto.Upper(status) : "",
        LastReminderStage = e.ReminderStage ?? 0,
    };

    /// <summary>
    /// The directorate asked about: an officer's own (empty or named), or one a system client acts for (named). Another
    /// directorate is PERMISSION_DENIED for an officer, as for a system client without it in its grant.
    /// </summary>
    private async Task<TenantSettings> TenantAsync(string requested, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Officer, Roles.System);
        var code = requested.Trim();
        if (caller.Is(Roles.System))
        {
            if (code.Length == 0)
                throw ServiceError.InvalidArgument("tenant", "required for a system client: the directorate (plate code) to list",
                    "sistem istemcisi için zorunlu: listelenecek il müdürlüğü (plaka kodu)");
            Authenticator.RequireTenant(caller, code);
        }
        else
        {
            var own = applications.Tenants.Find(caller.Tenant) ?? throw ServiceError.PermissionDenied(ErrorCodes.WrongTenant,
                "your sign-in names no directorate this server serves", "oturumunuz bu sunucunun hizmet verdiği bir müdürlüğe ait değil");
            if (code.Length > 0 && code != own.ProvinceCode)
                throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.WrongTenant,
                    $"officers see only their own directorate's list ({own.ProvinceCode}), not {code}'s",
                    $"yetkililer yalnızca kendi müdürlüklerinin ({own.ProvinceCode}) listesini görebilir, {code} listesini değil",
                    metadata: new Dictionary<string, string> { ["tenant"] = code });
            return own;
        }
        return applications.Tenants.Find(code) ?? throw ServiceError.InvalidArgument("tenant",
            $"unknown directorate '{code}'", $"bilinmeyen il müdürlüğü '{code}'");
    }

    private static int Within(RequestCheck check, int days)
    {
        check.Require(days is >= 0 and <= ApplicationStore.MaxExpiringDays, "within_days",
            $"must be 1..{ApplicationStore.MaxExpiringDays} days (0 = {DefaultWithinDays})",
            $"1..{ApplicationStore.MaxExpiringDays} gün olmalı (0 = {DefaultWithinDays})");
        return days == 0 ? DefaultWithinDays : days;
    }

    private static StaffCategory? Category(RequestCheck check, Contracts.V1.StaffCategory category)
    {
        if (category == Contracts.V1.StaffCategory.Unspecified)
            return null;
        var domain = (StaffCategory)(int)category;
        check.Require(System.Enum.IsDefined(domain), "category", "MANAGER, DOCTOR, FAMILY_PHYSICIAN, OTHER_STAFF or none",
            "yönetici, doktor, aile hekimi, diğer personel ya da boş");
        return System.Enum.IsDefined(domain) ? domain : null;
    }

    // The two enums share their numbers (the proto's were written after the domain's).
    private static Contracts.V1.StaffCategory ToProto(StaffCategory? category) =>
        category is { } c ? (Contracts.V1.StaffCategory)(int)c : Contracts.V1.StaffCategory.Unspecified;
}
