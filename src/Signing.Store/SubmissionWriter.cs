using JasperFx;
using Marten;
using Marten.Exceptions;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// The I/O around <see cref="SubmissionPlanner"/>: one tenant's admitted commands are read for (one round trip for the
/// stored submissions and the open renewals), planned, written and committed in one transaction. Only replays read
/// more: their stored stream.
/// </summary>
internal sealed class SubmissionWriter(IDocumentStore store, IStoreCommitObserver? observer, StoredEvidenceHashes storedEvidence)
{
    public StoredEvidenceHashes StoredEvidence => storedEvidence;

    /// <summary>
    /// Plans and commits the commands together; null when a write collided in PostgreSQL with another writer's commit
    /// (then nothing of the batch was committed and each command must be submitted alone).
    /// </summary>
    public async Task<IReadOnlyList<StoreResult<WriteResult>>?> TryCommitAsync(string tenant, IReadOnlyList<SubmitRenewal> commands, CancellationToken ct)
    {
        try
        {
            await using var session = store.LightweightSession(tenant);
            // One connection for the reads, the inline projections' loads, the writes and the commit: by default every
            // operation rents its own pooled connection, and each return costs PostgreSQL the pool's session reset.
            // The reads run in the transaction at READ COMMITTED, so each sees what was committed before it; the
            // planner allows for a commit landing between them.
            await session.BeginTransactionAsync(ct).ConfigureAwait(false);
            var known = await ReadAsync(session, commands, ct).ConfigureAwait(false);
            var plan = SubmissionPlanner.Plan(known, commands);
            if (plan.Unread.Count > 0 && await ReadStoredAsync(session, plan.Unread, ct).ConfigureAwait(false) is { Count: > 0 } committed)
                plan = SubmissionPlanner.Plan(known.With(committed), commands);
            if (plan.Writes.Count == 0)
                return plan.Answers;
            foreach (var write in plan.Writes)
            {
                session.Events.StartStream(write.ApplicationId, write.Events.Cast<object>().ToArray());
                // Insert, not Store: an open renewal committed meanwhile by another writer collides on (tenant_id, id).
                session.Insert(new OpenRenewal { Id = write.ApplicantTckn, ApplicationId = write.ApplicationId });
                if (write.Claim is { } claim)
                    SingleUseClaims.Claim(session, tenant, write.ApplicationId, claim);
            }
            // Only the written applications' blobs: a replay or a refusal keeps nothing.
            var blobs = plan.Writes.SelectMany(w => w.Blobs).ToList();
            EvidenceTable.Queue(session, blobs, storedEvidence);
            // One notification for the whole transaction, delivered to every node only if it commits.
            QueueNotifications.Queue(session, tenant,
                plan.Writes.Select(w => new QueueNotifications.Entry(w.ApplicationId, QueueNotifications.KindOf(w.Events))));
            if (observer is not null)
                await observer.BeforeCommitAsync(tenant).ConfigureAwait(false);
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
            storedEvidence.AddCommitted(blobs);
            return plan.Answers;
        }
        catch (Exception ex) when (IsCollision(ex))
        {
            return null;
        }
    }

    /// <summary>Submits one admitted command; a lost race is answered from a fresh read, never written again.</summary>
    public async Task<StoreResult<WriteResult>> SubmitAsync(string tenant, SubmitRenewal command, CancellationToken ct)
    {
        if (await TryCommitAsync(tenant, [command], ct).ConfigureAwait(false) is [var answer])
            return answer;
        await using var session = store.QuerySession(tenant);
        return SubmissionPlanner.AfterLostRace(await ReadAsync(session, [command], ct).ConfigureAwait(false), command);
    }

    /// <summary>
    /// The stored submissions and open renewals the commands can meet. Existence is read by primary key on the inline
    /// view (written in the same transaction as its stream, so it exists exactly when the stream does): an events query
    /// by stream id cannot use mt_events' (tenant_id, stream_id, version) index well. Both reads share one round trip.
    /// </summary>
    private static async Task<SubmissionSnapshot> ReadAsync(IQuerySession session, IReadOnlyList<SubmitRenewal> commands, CancellationToken ct)
    {
        var reads = session.CreateBatchQuery();
        var viewsRead = reads.LoadMany<ApplicationView>().ById(commands.Select(c => c.ApplicationId).Distinct().ToArray());
        var openRead = reads.LoadMany<OpenRenewal>().ById(commands.Select(c => c.Applicant.Tckn.Value).Distinct().ToArray());
        await reads.Execute(ct).ConfigureAwait(false);
        // Read after the guards: a claim of the batch's own id means its stream committed meanwhile, which the planner
        // then reads (as it does for an open renewal of its own).
        var claims = await SingleUseClaims.ReadAsync(session,
            commands.Select(c => SingleUse.Of(c.Confirmation)).OfType<SingleUseKey>().ToList(), ct).ConfigureAwait(false);
        var stored = await ReadStoredAsync(session, (await viewsRead.ConfigureAwait(false)).Select(v => v.Id).ToList(), ct).ConfigureAwait(false);
        var open = (await openRead.ConfigureAwait(false)).ToDictionary(o => o.Id, o => o.ApplicationId, StringComparer.Ordinal);
        return new SubmissionSnapshot(stored.ToDictionary(s => s.ApplicationId), open, claims);
    }

    /// <summary>The stored submissions among <paramref name="ids"/>, one stream read each (replays only, so rare).</summary>
    private static async Task<List<StoredSubmission>> ReadStoredAsync(IQuerySession session, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var found = new List<StoredSubmission>();
        foreach (var id in ids)
        {
            var events = await session.Events.FetchStreamAsync(id, token: ct).ConfigureAwait(false);
            if (events.Count > 0 && events[0].Data is RenewalSubmitted submitted)
                found.Add(new StoredSubmission(id, events[^1].Version, submitted));
        }
        return found;
    }

    /// <summary>
    /// A new stream, guard document or single-use claim collided with one committed meanwhile (either of the two
    /// stream-collision types may surface).
    /// </summary>
    private static bool IsCollision(Exception ex) =>
        IsCollisionType(ex) || (ex.InnerException is { } inner && IsCollisionType(inner)) || SingleUseClaims.IsCollision(ex);

    private static bool IsCollisionType(Exception ex) =>
        ex is ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
            or DocumentAlreadyExistsException or ConcurrencyException;
}
