using System.Security.Cryptography;
using System.Text;
using JasperFx;
using Marten;
using Marten.Linq.MatchesSql;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// The write and read paths the gRPC services call. Submissions go through <see cref="SubmissionPlanner"/> as a batch of
/// one; other commands fetch the application for writing at the caller's version, decide and append, and PostgreSQL
/// checks that version at commit. Inline projections are written in the same transaction.
/// </summary>
/// <param name="store">The Marten store (see <see cref="SigningStore"/>).</param>
/// <param name="observer">Told before every commit; none by default.</param>
public sealed partial class ApplicationStore(IDocumentStore store, IStoreCommitObserver? observer = null) : IRenewalSubmitter
{
    public const int MaxPageSize = 200;

    /// <summary>
    /// The submission path, shared with <see cref="GroupCommitSubmitter"/> (same store, same observer, and the same
    /// memory of shared evidence already committed, which decisions use too).
    /// </summary>
    internal SubmissionWriter Submissions { get; } = new(store, observer, new StoredEvidenceHashes());

    /// <summary>
    /// The stream id of a submission: derived from (tenant, submitter, client request id), so a retried request lands on
    /// the same stream and can never start a second one, even when both attempts race, while two submitters who pick the
    /// same request id never meet. The submitter is length-prefixed: no choice of submitter and request id spells another pair.
    /// </summary>
    public static Guid ApplicationIdFor(string tenant, string submitter, string clientRequestId) =>
        ApplicationIdFor(tenant, "submission/" + submitter.Length + ":" + submitter + "/" + clientRequestId);

    /// <summary>A name-based stream id within a tenant (UUID version 8 from SHA-256 of the tenant and the name).</summary>
    public static Guid ApplicationIdFor(string tenant, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("signing/application/" + tenant + "/" + name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom, name-based)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// Submits a renewal in a transaction of its own. The command's ApplicationId is ignored: the id comes from
    /// (tenant, Submitter, ClientRequestId). A retry with the same content returns the same application (WasRetry = true).
    /// </summary>
    public async Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct = default)
    {
        var (admitted, refused) = SubmissionPlanner.Admit(tenant, command);
        return refused ?? await Submissions.SubmitAsync(admitted!, ct);
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
        // Fetched without the expected version so that an unknown application and a stale version get their own
        // answers; Marten still checks at commit that the stream is at the version fetched here.
        var stream = await session.Events.FetchForWriting<ApplicationView>(id, ct);
        if (stream.Aggregate is not { } view)
            return StoreResult<WriteResult>.Fail(FailureKind.NotFound, ErrorCodes.NotFound, "No such application in this directorate.");
        if (stream.StartingVersion != expectedVersion)
            return Conflict(expectedVersion, stream.StartingVersion);

        var state = view.State;
        var decision = ApplicationDecider.Decide(command, state);
        if (!decision.IsAccepted)
            return StoreResult<WriteResult>.Fail(FailureKind.Domain, decision.Error!.Code, decision.Error.Message);

        var claims = command is AttachReceipt attach ? SingleUse.Of(attach.Receipt) : [];
        if (claims.Count > 0)
        {
            var held = await HeldAsync(session, claims, ct);
            if (held.Values.Any(holder => holder != id))
                return ReceiptAlreadyAttached();
            foreach (var claim in claims.Where(c => !held.ContainsKey(c)))
                SingleUseClaims.Claim(session, tenant, id, claim);
        }
        stream.AppendMany(decision.Events.Cast<object>().ToArray());
        var blobs = command is ICarriesEvidence carries ? carries.Blobs : [];
        EvidenceTable.Queue(session, blobs, Submissions.StoredEvidence);
        var after = decision.Events.Aggregate(state, ApplicationDecider.Evolve);
        if (state.IsOpen() && !after.IsOpen())
            session.DeleteWhere<OpenRenewal>(o => o.Id == state.ApplicantTckn && o.ApplicationId == id);
        // Every node's queue watchers hear of it from PostgreSQL, at the commit and only if it commits.
        QueueNotifications.Queue(session, tenant, [new QueueNotifications.Entry(id, QueueNotifications.KindOf(decision.Events))]);
        try
        {
            if (observer is not null)
                await observer.BeforeCommitAsync(tenant);
            await session.SaveChangesAsync(ct);
            Submissions.StoredEvidence.AddCommitted(blobs);
            return StoreResult<WriteResult>.Success(new WriteResult(id, expectedVersion + decision.Events.Count, decision.Events));
        }
        catch (Exception ex) when (IsConcurrency(ex))
        {
            return Conflict(expectedVersion, null);
        }
        catch (Exception ex) when (SingleUseClaims.IsCollision(ex))
        {
            // Another commit claimed the same receipt meanwhile: another application's, or this one's (a stale version).
            await using var fresh = store.QuerySession(tenant);
            return (await HeldAsync(fresh, claims, ct)).Values.Any(holder => holder != id) ? ReceiptAlreadyAttached() : Conflict(expectedVersion, null);
        }
    }

    /// <summary>Which of <paramref name="claims"/> are held already, by which application.</summary>
    private static async Task<Dictionary<SingleUseKey, Guid>> HeldAsync(IQuerySession session, IReadOnlyList<SingleUseKey> claims, CancellationToken ct) =>
        (await SingleUseClaims.ReadAsync(session, claims, ct)).Where(h => claims.Contains(h.Key)).ToDictionary();

    private static StoreResult<WriteResult> ReceiptAlreadyAttached() => StoreResult<WriteResult>.Fail(FailureKind.Domain, ErrorCodes.ReceiptAlreadyAttached,
        "This receipt (the same scanned file, or the same transfer) is already attached to another application; attach the receipt of this application's own payment.");

    public async Task<ApplicationView?> GetAsync(string tenant, Guid id, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return await session.LoadAsync<ApplicationView>(id, ct);
    }

    /// <summary>
    /// The submission as it was stored (its first event: contact details and institution are not in the view), or null
    /// when there is no such application.
    /// </summary>
    public async Task<RenewalSubmitted?> GetSubmissionAsync(string tenant, Guid id, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        var first = await session.Events.FetchStreamAsync(id, version: 1, token: ct);
        return first.Count > 0 ? first[0].Data as RenewalSubmitted : null;
    }

    /// <summary>
    /// The application with this id, in whichever tenant holds it (the view's Tenant says which): one query on the id
    /// index, whatever the number of tenants. Ids are derived from the tenant (<see cref="ApplicationIdFor(string, string)"/>),
    /// so two tenants never hold the same one.
    /// </summary>
    public async Task<ApplicationView?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await session.Query<ApplicationView>().Where(x => x.AnyTenant() && x.Id == id).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// The applications with this code (XXXXX-XXXXX), in any tenant: one query on the code's index. A code is 50 bits of
    /// the id, so more than one is possible in principle; the caller decides (at most two are returned).
    /// </summary>
    public async Task<IReadOnlyList<ApplicationView>> FindByCodeAsync(string code, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return await session.Query<ApplicationView>().Where(x => x.AnyTenant() && x.ApplicationCode == code).Take(2).ToListAsync(ct);
    }

    /// <summary>
    /// An applicant's applications in the given tenants, newest first, <paramref name="count"/> from <paramref name="offset"/>:
    /// one query on the applicant index, whatever the number of tenants.
    /// </summary>
    public async Task<IReadOnlyList<ApplicationView>> ListMineAsync(string tckn, IReadOnlyCollection<string> tenants, int offset, int count, CancellationToken ct = default)
    {
        var codes = tenants.ToArray();
        await using var session = store.QuerySession();
        return await session.Query<ApplicationView>().Where(x => x.TenantIsOneOf(codes) && x.ApplicantTckn == tckn)
            .OrderByDescending(x => x.SubmittedAt).ThenBy(x => x.Id).Skip(offset).Take(count).ToListAsync(ct);
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

    /// <summary>Records a certificate seen in a check (e.g. a verification), so its holder shows up in the expiring list.</summary>
    public async Task RecordCertificateSeenAsync(string tenant, CertificateSeen seen, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession(tenant);
        // One stream per holder; appending without a version is fine: these are independent observations.
        session.Events.Append(ApplicationIdFor(tenant, "certificate-holder/" + seen.Tckn), seen);
        session.Store(CertificateHolders.Apply(await session.LoadAsync<CertificateHolder>(seen.Tckn, ct), seen.Tckn, seen)!);
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

    private static StoreResult<WriteResult> Conflict(long expected, long? actual) => StoreResult<WriteResult>.Fail(FailureKind.Concurrency,
        ErrorCodes.Concurrency, actual is null
            ? $"The application changed while this request was being handled (expected version {expected}); reload and try again."
            : $"The application is at version {actual}, not {expected}; reload and try again.");

    private static bool IsConcurrency(Exception ex) => ex is ConcurrencyException || ex.InnerException is ConcurrencyException;

    private static Page<T, TCursor> Paged<T, TCursor>(IReadOnlyList<T> rows, int pageSize, Func<T, TCursor> cursor) where TCursor : class =>
        rows.Count > pageSize ? new(rows.Take(pageSize).ToList(), cursor(rows[pageSize - 1])) : new(rows, null);
}
