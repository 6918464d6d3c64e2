using Grpc.Core;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Server.Queue;
using Signing.Store;
using V1 = Signing.Contracts.V1;

namespace Signing.Server.Services;

/// <summary>
/// What every service does with an existing application: find it for a caller (and refuse whoever may not see it),
/// run a command at the version the caller saw, tell the queue watchers. One place, so the rules cannot drift.
/// </summary>
public sealed class Applications(ApplicationStore store, TenantCatalog tenants, QueueFeed feed, TimeProvider time)
{
    public ApplicationStore Store => store;
    public TenantCatalog Tenants => tenants;
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// The application with this id, if the caller may see it: its applicant, an officer of its tenant, a system client that
    /// acts for its tenant. Anybody else gets NOT_FOUND (an applicant learns nothing about others); an officer or a system
    /// client of another tenant PERMISSION_DENIED.
    /// </summary>
    public async Task<(TenantSettings Tenant, ApplicationView View)> LocateAsync(Guid id, Caller caller, CancellationToken ct)
    {
        var order = tenants.All.OrderBy(t => t.ProvinceCode == caller.Tenant ? 0 : 1);
        foreach (var tenant in order)
        {
            var view = await store.GetAsync(tenant.ProvinceCode, id, ct);
            if (view is null)
                continue;
            if (caller.Is(Roles.System))
            {
                Authenticator.RequireTenant(caller, tenant.ProvinceCode);
                return (tenant, view);
            }
            if ((caller.Is(Roles.Officer) && caller.Tenant == tenant.ProvinceCode) || (caller.Is(Roles.Applicant) && view.ApplicantTckn == caller.Tckn))
                return (tenant, view);
            if (caller.Is(Roles.Officer))
                Authenticator.RequireTenant(caller, tenant.ProvinceCode);
            break;
        }
        throw new ServiceError(StatusCode.NotFound, ErrorCodes.NotFound, $"application {id} was not found",
            $"{id} numaralı başvuru bulunamadı", metadata: new Dictionary<string, string> { ["application_id"] = id.ToString() });
    }

    /// <summary>Runs a command at <paramref name="expectedVersion"/> (0 = the version just read) and returns the application after it.</summary>
    public async Task<V1.Application> HandleAsync(TenantSettings tenant, ApplicationView view, long expectedVersion, ApplicationCommand command, CancellationToken ct)
    {
        var version = expectedVersion == 0 ? view.Version : expectedVersion;
        var result = await store.HandleAsync(tenant.ProvinceCode, view.Id, version, command, ct);
        if (!result.Ok)
            throw StoreErrors.ToServiceError(result.Failure!, "application/" + view.Id);
        var written = result.Value!;
        // Tell watchers even if the caller has gone: the write is committed.
        await feed.NotifyAsync(tenant.ProvinceCode, view.Id, written.Events, CancellationToken.None);
        if (expectedVersion != 0 && expectedVersion != view.Version)
        {
            // The caller wrote on a version newer than our read: read back rather than fold onto a stale state. The write is
            // committed, so a failing read-back must not answer an error: then the fold below stands in (right status and
            // version; a Get shows the full history).
            try
            {
                var fresh = await store.GetAsync(tenant.ProvinceCode, view.Id, ct);
                if (fresh is not null)
                    return Proto.Application(fresh);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Falls through to the fold.
            }
        }
        return Proto.Application(view.State, written.Events, written.Version, view.History.Select(h => (h.At, h.Event, h.Description)));
    }

    public async Task NotifyAsync(string tenant, Guid id, IReadOnlyList<IApplicationEvent> events) =>
        await feed.NotifyAsync(tenant, id, events, CancellationToken.None);
}
