using Grpc.Core;
using Signing.Domain;
using Signing.Server.Auth;
using Signing.Server.Configuration;
using Signing.Server.Errors;
using Signing.Server.Mapping;
using Signing.Store;
using V1 = Signing.Contracts.V1;

namespace Signing.Server.Services;

/// <summary>
/// What every service does with an existing application: find it for a caller (and refuse whoever may not see it),
/// run a command at the version the caller saw. One place, so the rules cannot drift. Queue watchers hear of a write from
/// PostgreSQL (the write's own commit notifies every node), not from here.
/// </summary>
public sealed class Applications(ApplicationStore store, TenantCatalog tenants, ILogger<Applications> logger, TimeProvider time)
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
        // One query whatever the number of tenants; the view names its tenant. A tenant this server does not serve is
        // as good as absent.
        if (await store.FindAsync(id, ct) is { } view && tenants.Find(view.Tenant) is { } tenant)
        {
            if (caller.Is(Roles.System))
            {
                Authenticator.RequireTenant(caller, tenant.ProvinceCode);
                return (tenant, view);
            }
            if ((caller.Is(Roles.Officer) && caller.Tenant == tenant.ProvinceCode) || (caller.Is(Roles.Applicant) && view.ApplicantTckn == caller.Tckn))
                return (tenant, view);
            if (caller.Is(Roles.Officer))
                Authenticator.RequireTenant(caller, tenant.ProvinceCode);
        }
        throw new ServiceError(StatusCode.NotFound, ErrorCodes.NotFound, $"application {id} was not found",
            $"{id} numaralı başvuru bulunamadı", metadata: new Dictionary<string, string> { ["application_id"] = id.ToString() });
    }

    /// <summary>
    /// The applicant's own applications in every tenant this server serves, newest first: one query, paged by offset
    /// (<paramref name="count"/> from <paramref name="offset"/>).
    /// </summary>
    public Task<IReadOnlyList<ApplicationView>> ListMineAsync(Caller caller, int offset, int count, CancellationToken ct) =>
        store.ListMineAsync(caller.Tckn, tenants.Codes, offset, count, ct);

    /// <summary>Runs a command at <paramref name="expectedVersion"/> (0 = the version just read) and returns the application after it.</summary>
    public async Task<V1.Application> HandleAsync(TenantSettings tenant, ApplicationView view, long expectedVersion, ApplicationCommand command, CancellationToken ct)
    {
        var version = expectedVersion == 0 ? view.Version : expectedVersion;
        var result = await store.HandleAsync(tenant.ProvinceCode, view.Id, version, command, ct);
        if (!result.Ok)
            throw StoreErrors.ToServiceError(result.Failure!, "application/" + view.Id);
        var written = result.Value!;
        if (expectedVersion != 0 && expectedVersion != view.Version)
        {
            // The caller wrote on a version newer than our read: read back rather than fold onto a stale state. The write
            // is committed, so a failing read-back must not turn the answer into an error: fold instead (the history
            // may then lack the entries between our read and the caller's version).
            try
            {
                var fresh = await store.GetAsync(tenant.ProvinceCode, view.Id, ct);
                if (fresh is not null)
                    return Proto.Application(fresh);
            }
            catch (Exception e)
            {
                logger.LogWarning("Application {ApplicationId} committed at version {Version}; its read-back failed ({Reason}), answered from its events",
                    view.Id, written.Version, e.Message);
            }
        }
        return Proto.Application(view.State, written.Events, written.Version, Proto.History(view));
    }
}
