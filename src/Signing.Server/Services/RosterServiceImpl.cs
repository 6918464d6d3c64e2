using Grpc.Core;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Errors;
using Signing.Server.Roster;
using Signing.Store;

namespace Signing.Server.Services;

/// <summary>The staff list, kept current by the tenant's HR system (roster:write) or an officer of the tenant with its file.</summary>
public sealed class RosterServiceImpl(RosterStore roster, Applications applications, Authenticator auth, IOptions<RosterOptions> options,
    ILogger<RosterServiceImpl> logger) : RosterService.RosterServiceBase
{
    public const int MaxSourceLength = 200;

    public override async Task<RosterImportReport> Import(IAsyncStreamReader<RosterImportRequest> requestStream, ServerCallContext context)
    {
        var caller = await auth.RequireAsync(context, Roles.Officer, Roles.System);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != RosterImportRequest.PartOneofCase.Header)
            throw ServiceError.InvalidArgument("header", "the first message must be the header (tenant, complete, source), then the rows",
                "ilk ileti başlık (tenant, complete, source) olmalı, satırlar ondan sonra gelir");
        var header = requestStream.Current.Header;
        new RequestCheck().Text("header.source", header.Source, MaxSourceLength).ThrowIfInvalid();
        var tenant = Tenant(caller, header.Tenant.Trim());

        var max = options.Value.MaxRows;
        var rows = new List<RawRosterRow>();
        while (await requestStream.MoveNext(ct))
        {
            var part = requestStream.Current;
            if (part.PartCase == RosterImportRequest.PartOneofCase.Header)
                throw ServiceError.InvalidArgument("header", "sent more than once; send one header, first", "birden çok kez gönderildi; tek başlık, en başta gönderin");
            foreach (var row in part.Rows?.Rows ?? [])
            {
                if (rows.Count == max)
                    throw ServiceError.InvalidArgument("rows", $"more than {max} rows in one import ({RosterOptions.MaxRowsKey}); nothing was saved",
                        $"bir aktarımda en çok {max} satır gönderilebilir; hiçbir şey kaydedilmedi");
                rows.Add(new RawRosterRow(row.Row != 0 ? row.Row : rows.Count + 1, row.Tckn, row.Name, row.Category, row.Institution,
                    row.Email, row.Phone, row.Active));
            }
        }

        var (entries, problems) = RosterRules.JudgeAll(rows);
        var importedBy = caller.Is(Roles.System) ? "system:" + caller.Name : "officer:" + caller.Tckn;
        var result = await roster.ImportAsync(new RosterImport(tenant, entries, header.Complete, header.Source.Trim(), importedBy,
            rows.Count, problems.Count, applications.Now), ct);
        // Counts only: the rows are personal data.
        logger.LogInformation("roster import into {Tenant} by {Caller}: {Received} rows, {Added} added, {Changed} changed, {Deactivated} deactivated, " +
            "{Unchanged} unchanged, {Refused} refused{Complete}", tenant, caller.Is(Roles.System) ? caller.Name : Tckn.Mask(caller.Tckn), rows.Count,
            result.Added, result.Changed, result.Deactivated, result.Unchanged, problems.Count, header.Complete ? " (complete list)" : "");

        var report = new RosterImportReport
        {
            Received = rows.Count,
            Added = result.Added,
            Changed = result.Changed,
            Deactivated = result.Deactivated,
            Unchanged = result.Unchanged,
        };
        report.Refused.AddRange(problems.Select(p => new RefusedRow { Row = p.Row, Field = p.Field, Reason = p.Reason, TcknMasked = p.TcknMasked }));
        return report;
    }

    /// <summary>
    /// The tenant the import is for: an officer's own (named or not); for a system client, one it serves, which it must name.
    /// A tenant this server does not serve is refused as the other RPCs refuse it.
    /// </summary>
    private string Tenant(Caller caller, string named)
    {
        if (named.Length == 0)
        {
            if (caller.Is(Roles.System))
                throw ServiceError.InvalidArgument("header.tenant", "required for a system client: the directorate's plate code",
                    "sistem istemcisi için zorunlu: il müdürlüğünün plaka kodu");
            return applications.Tenants.Find(caller.Tenant)?.ProvinceCode ?? throw ServiceError.PermissionDenied(ErrorCodes.WrongTenant,
                "your sign-in names no directorate this server serves", "oturumunuz bu sunucunun hizmet verdiği bir müdürlüğe ait değil");
        }
        var served = applications.Tenants.Find(named);
        if (served is null)
        {
            var codes = string.Join(", ", applications.Tenants.All.Select(t => t.ProvinceCode));
            throw ServiceError.InvalidArgument("header.tenant", $"unknown directorate '{named}'; this server serves {codes}",
                $"bilinmeyen il müdürlüğü '{named}'; bu sunucu şunlara hizmet verir: {codes}");
        }
        if (caller.Is(Roles.Officer) && !caller.Is(Roles.System) && caller.Tenant != served.ProvinceCode)
            throw new ServiceError(StatusCode.PermissionDenied, ErrorCodes.WrongTenant,
                $"officers import only their own directorate's roster, not {served.ProvinceCode}'s",
                $"yetkililer yalnızca kendi müdürlüklerinin personel listesini aktarabilir, {served.ProvinceCode} değil",
                metadata: new Dictionary<string, string> { ["tenant"] = served.ProvinceCode });
        Authenticator.RequireTenant(caller, served.ProvinceCode);
        return served.ProvinceCode;
    }
}
