using System.Security.Cryptography;
using System.Text;
using JasperFx;
using Marten;
using Marten.Exceptions;
using Marten.Linq.MatchesSql;
using Signing.Domain;

namespace Signing.Store;

/// <summary>How a store call failed, for the gRPC layer's status mapping.</summary>
public enum FailureKind
{
    /// <summary>The decider refused (FailedPrecondition / InvalidArgument).</summary>
    Domain,
    /// <summary>Someone else wrote first: reload and retry (Aborted).</summary>
    Concurrency,
    /// <summary>No such application in this tenant (NotFound).</summary>
    NotFound,
    /// <summary>An open renewal for this TCKN already exists in this tenant (AlreadyExists).</summary>
    Conflict,
}

public sealed record StoreError(FailureKind Kind, DomainError Error, Guid? ExistingApplicationId = null);

/// <summary>A value or a typed error; never an exception for a business outcome.</summary>
public sealed record StoreResult<T>(T? Value, StoreError? Failure)
{
    public bool Ok => Failure is null;
    public static StoreResult<T> Success(T value) => new(value, null);
    public static StoreResult<T> Fail(FailureKind kind, string code, string message, Guid? existing = null) =>
        new(default, new StoreError(kind, new DomainError(code, message), existing));
}

/// <summary>What a write returns: the application's id, its new version (the next expectedVersion) and the events appended.</summary>
public sealed record WriteResult(Guid ApplicationId, long Version, IReadOnlyList<IApplicationEvent> Events, bool WasRetry = false);

/// <summary>
/// Where submissions go: one transaction each (<see cref="ApplicationStore"/>) or grouped into shared transactions.
/// Either way the result is only returned once the submission is durable.
/// </summary>
public interface IRenewalSubmitter
{
    Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct = default);
}

/// <summary>
/// The write and read paths the gRPC services call. Every write: read the stream, decide, append with the expected
/// version (optimistic concurrency checked by PostgreSQL at commit), inline projections in the same transaction.
/// </summary>
public sealed class ApplicationStore(IDocumentStore store) : IRenewalSubmitter
{
    public const int MaxPageSize = 200;

    /// <summary>Test seam: runs after the decision, just before the commit, so a test can interleave a rival write deterministically.</summary>
    internal Func<Task>? BeforeCommit { get; set; }

    /// <summary>
    /// The stream id of a submission: derived from (tenant, client request id), so a retried request lands on the same
    /// stream and can never start a second one, even when both attempts race.
    /// </summary>
    public static Guid ApplicationIdFor(string tenant, string clientRequestId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("signing/application/" + tenant + "/" + clientRequestId));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom, name-based)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// Submits a renewal. The command's ApplicationId is ignored: the id comes from (tenant, ClientRequestId).
    /// A retry returns the same application (WasRetry = true).
    /// </summary>
    public async Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct = default)
    {
        if (command.Tenant.ProvinceCode != tenant)
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.WrongTenant, $"The tenant settings are for {command.Tenant.ProvinceCode}, the request for {tenant}.");
        if (string.IsNullOrWhiteSpace(command.ClientRequestId))
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.MissingRequestId, "A client request id is required (it makes retries safe).");
        var id = ApplicationIdFor(tenant, command.ClientRequestId);
        command = command with { ApplicationId = id };

        var existing = await ExistingSubmissionAsync(tenant, id, ct);
        if (existing is not null)
            return StoreResult<WriteResult>.Success(existing);

        await using var session = store.LightweightSession(tenant);
        var tckn = command.Applicant.Tckn.Value;
        var open = await session.LoadAsync<OpenRenewal>(tckn, ct);
        if (open is not null)
        {
            // The same request committed between our two reads: it is a retry, not a second renewal.
            if (open.ApplicationId == id && await ExistingSubmissionAsync(tenant, id, ct) is { } committed)
                return StoreResult<WriteResult>.Success(committed);
            return OpenRenewalExists(open.ApplicationId);
        }

        var decision = ApplicationDecider.Decide(command, ApplicationState.Initial);
        if (!decision.IsAccepted)
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, decision.Error!.Code, decision.Error.Message);

        session.Events.StartStream(id, decision.Events.Cast<object>().ToArray());
        // Insert, not Store: a second open renewal for the TCKN collides on (tenant_id, id) inside PostgreSQL.
        session.Insert(new OpenRenewal { Id = tckn, ApplicationId = id });
        try
        {
            await session.SaveChangesAsync(ct);
            return StoreResult<WriteResult>.Success(new WriteResult(id, decision.Events.Count, decision.Events));
        }
        catch (Exception ex) when (IsCollision(ex))
        {
            // Lost a race: either the same request (then it is a retry) or another open renewal for this TCKN.
            var retry = await ExistingSubmissionAsync(tenant, id, ct);
            if (retry is not null)
                return StoreResult<WriteResult>.Success(retry);
            await using var query = store.QuerySession(tenant);
            var winner = await query.LoadAsync<OpenRenewal>(tckn, ct);
            return OpenRenewalExists(winner?.ApplicationId);
        }
    }

    /// <summary>
    /// Runs a command on an application at the version the caller saw. A stale version is a concurrency error; the
    /// caller reloads (GetAsync) and decides again.
    /// </summary>
    public async Task<StoreResult<WriteResult>> HandleAsync(string tenant, Guid id, long expectedVersion, ApplicationCommand command, CancellationToken ct = default)
    {
        if (command is SubmitRenewal)
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.AlreadySubmitted, "Use SubmitAsync to submit.");
        await using var session = store.LightweightSession(tenant);
        var stream = await session.Events.FetchStreamAsync(id, token: ct);
        if (stream.Count == 0)
            return StoreResult<WriteResult>.Fail(FailureKind.NotFound, ErrorCodes.NotFound, "No such application in this directorate.");
        var version = stream[^1].Version;
        if (version != expectedVersion)
            return Conflict(expectedVersion, version);

        var state = ApplicationDecider.Fold(stream.Select(e => e.Data).OfType<IApplicationEvent>());
        var decision = ApplicationDecider.Decide(command, state);
        if (!decision.IsAccepted)
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, decision.Error!.Code, decision.Error.Message);

        var newVersion = expectedVersion + decision.Events.Count;
        // Marten checks this at commit: the stream must still be at expectedVersion, or the whole transaction fails.
        session.Events.Append(id, newVersion, decision.Events.Cast<object>().ToArray());
        var after = decision.Events.Aggregate(state, ApplicationDecider.Evolve);
        if (state.IsOpen() && !after.IsOpen())
            session.DeleteWhere<OpenRenewal>(o => o.Id == state.ApplicantTckn && o.ApplicationId == id);
        try
        {
            if (BeforeCommit is { } hook)
                await hook();
            await session.SaveChangesAsync(ct);
            return StoreResult<WriteResult>.Success(new WriteResult(id, newVersion, decision.Events));
        }
        catch (Exception ex) when (IsConcurrency(ex))
        {
            return Conflict(expectedVersion, null);
        }
    }

    public async Task<ApplicationView?> GetAsync(string tenant, Guid id, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return await session.LoadAsync<ApplicationView>(id, ct);
    }

    /// <summary>An applicant's applications in this tenant, newest first.</summary>
    public async Task<IReadOnlyList<ApplicationView>> ListMineAsync(string tenant, string tckn, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return await session.Query<ApplicationView>().Where(x => x.ApplicantTckn == tckn)
            .OrderByDescending(x => x.SubmittedAt).Take(MaxPageSize).ToListAsync(ct);
    }

    /// <summary>The officer's queue, oldest first, keyset-paged: pass the previous page's Next to continue.</summary>
    public async Task<Page<ApprovalQueueItem, QueueCursor>> ListQueueAsync(string tenant, QueueCursor? after, int pageSize, QueueFilter? filter = null, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var session = store.QuerySession(tenant);
        IQueryable<ApplicationView> q = session.Query<ApplicationView>().Where(x => x.QueuedAt != null);
        if (after is not null)
            q = q.Where(x => x.MatchesSql("(d.queued_at, d.id) > (?, ?)", after.QueuedAt.ToUniversalTime(), after.Id));
        if (filter?.Category is { } category)
            q = q.Where(x => x.Category == category);
        if (filter?.ReadyOnly == true)
            q = q.Where(x => x.Ready);
        if (filter?.Lacking is { } lack)
            q = q.Where(x => x.Lacks.Contains(lack));
        var rows = await q.OrderBy(x => x.QueuedAt).ThenBy(x => x.Id).Take(pageSize + 1).ToListAsync(ct);
        return Paged(rows.Select(v => ApprovalQueueItem.From(v)!).ToList(), pageSize, last => new QueueCursor(last.QueuedAt, last.Id));
    }

    /// <summary>Holders in this tenant whose NES ends within 90 days of <paramref name="now"/> (not yet expired), soonest first.</summary>
    public async Task<Page<CertificateHolder, ExpiringCursor>> ListExpiringAsync(string tenant, DateTimeOffset now, ExpiringCursor? after, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        now = now.ToUniversalTime();
        var horizon = now + RenewalWindow.ExpiringListHorizon;
        await using var session = store.QuerySession(tenant);
        IQueryable<CertificateHolder> q = session.Query<CertificateHolder>().Where(x => x.NotAfter > now && x.NotAfter <= horizon);
        if (after is not null)
            q = q.Where(x => x.MatchesSql("(d.not_after, d.id) > (?, ?)", after.NotAfter.ToUniversalTime(), after.Tckn));
        var rows = await q.OrderBy(x => x.NotAfter).ThenBy(x => x.Id).Take(pageSize + 1).ToListAsync(ct);
        return Paged(rows, pageSize, last => new ExpiringCursor(last.NotAfter, last.Id));
    }

    /// <summary>Records a certificate seen in a check (e.g. a verification), so its holder shows up in the expiring list.</summary>
    public async Task RecordCertificateSeenAsync(string tenant, CertificateSeen seen, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession(tenant);
        // One stream per holder; appending without a version is fine: these are independent observations.
        session.Events.Append(ApplicationIdFor(tenant, "certificate-holder/" + seen.Tckn), seen);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>How many items are on this tenant's queue (a count over the keyset index: cheap at thousands, not free at millions).</summary>
    public async Task<int> CountQueueAsync(string tenant, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return await session.Query<ApplicationView>().CountAsync(x => x.QueuedAt != null, ct);
    }

    /// <summary>Counts per status in this tenant: one batched round trip of index-backed counts over (tenant_id, status).</summary>
    public async Task<TenantStats> GetStatsAsync(string tenant, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        var batch = session.CreateBatchQuery();
        var counts = Enum.GetValues<ApplicationStatus>().Where(s => s != ApplicationStatus.None)
            .Select(s => (Status: s, Count: batch.Query<ApplicationView>().Where(x => x.Status == s).Count()))
            .ToList();
        await batch.Execute(ct);
        var result = new Dictionary<ApplicationStatus, int>();
        foreach (var (status, count) in counts)
        {
            var n = (int)await count;
            if (n > 0)
                result[status] = n;
        }
        return new TenantStats(tenant, result);
    }

    /// <summary>A stored submission as a retry sees it: the stream's version and its first event; null if there is none.</summary>
    internal async Task<WriteResult?> ExistingSubmissionAsync(string tenant, Guid id, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        if (events.Count == 0)
            return null;
        var first = events.Select(e => e.Data).OfType<IApplicationEvent>().ToList();
        return new WriteResult(id, events[^1].Version, first.Take(1).ToList(), WasRetry: true);
    }

    internal static StoreResult<WriteResult> OpenRenewalExists(Guid? existing) => StoreResult<WriteResult>.Fail(FailureKind.Conflict,
        ErrorCodes.OpenRenewalExists, "This person already has an open renewal application in this directorate; withdraw it or wait for it to finish.", existing);

    private static StoreResult<WriteResult> Conflict(long expected, long? actual) => StoreResult<WriteResult>.Fail(FailureKind.Concurrency,
        ErrorCodes.Concurrency, actual is null
            ? $"The application changed while this request was being handled (expected version {expected}); reload and try again."
            : $"The application is at version {actual}, not {expected}; reload and try again.");

    private static bool IsConcurrency(Exception ex) => ex is ConcurrencyException || ex.InnerException is ConcurrencyException;

    /// <summary>A new stream or guard document collided with one committed meanwhile (either of the two stream-collision types may surface).</summary>
    internal static bool IsCollision(Exception ex) => IsCollisionType(ex) || (ex.InnerException is { } inner && IsCollisionType(inner));

    private static bool IsCollisionType(Exception ex) =>
        ex is ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
            or DocumentAlreadyExistsException or ConcurrencyException;

    private static Page<T, TCursor> Paged<T, TCursor>(IReadOnlyList<T> rows, int pageSize, Func<T, TCursor> cursor) where TCursor : class =>
        rows.Count > pageSize ? new(rows.Take(pageSize).ToList(), cursor(rows[pageSize - 1])) : new(rows, null);
}
