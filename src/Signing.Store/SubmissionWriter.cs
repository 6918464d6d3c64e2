using JasperFx;
using Marten;
using Marten.Exceptions;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// The I/O around <see cref="SubmissionPlanner"/>: admitted commands, of one tenant or of many, are read for (one round
/// trip for the stored submissions, the open renewals and the claimed material), planned, written and committed in one
/// transaction. Only replays read more: their stored stream.
/// </summary>
internal sealed class SubmissionWriter(IDocumentStore store, IStoreCommitObserver? observer, StoredEvidenceHashes storedEvidence)
{
    private static readonly string Views = SigningStore.Schema + ".mt_doc_applicationview";
    private static readonly string OpenRenewals = SigningStore.Schema + ".mt_doc_openrenewal";
    private static readonly string Holders = SigningStore.Schema + ".mt_doc_certificateholder";
    private static readonly string Roster = SigningStore.Schema + ".mt_doc_rostermember";

    public StoredEvidenceHashes StoredEvidence => storedEvidence;

    /// <summary>
    /// Plans and commits the commands together; null when a write collided in PostgreSQL with another writer's commit
    /// (then nothing of the batch was committed and each command must be submitted alone).
    /// </summary>
    public async Task<IReadOnlyList<StoreResult<WriteResult>>?> TryCommitAsync(IReadOnlyList<SubmitRenewal> commands, CancellationToken ct)
    {
        try
        {
            // Conjoined tenancy: one session writes every tenant's rows (ForTenant), so a batch spread over many
            // directorates is still one transaction and one commit.
            await using var session = store.LightweightSession(commands[0].Tenant.ProvinceCode);
            // One connection for the reads, the writes and the commit: by default every
            // operation rents its own pooled connection, and each return costs PostgreSQL the pool's session reset.
            // The read runs in the transaction at READ COMMITTED, so it sees what was committed before it; the
            // planner allows for a commit landing after it.
            await session.BeginTransactionAsync(ct).ConfigureAwait(false);
            var tenantOf = commands.GroupBy(c => c.ApplicationId).ToDictionary(g => g.Key, g => g.First().Tenant.ProvinceCode);
            var (known, holders) = await ReadAsync(session, commands, tenantOf, ct).ConfigureAwait(false);
            var plan = SubmissionPlanner.Plan(known, commands);
            if (plan.Unread.Count > 0 && await ReadStoredAsync(session, plan.Unread, tenantOf, ct).ConfigureAwait(false) is { Count: > 0 } committed)
                plan = SubmissionPlanner.Plan(known.With(committed), commands);
            if (plan.Writes.Count == 0)
                return plan.Answers;
            foreach (var write in plan.Writes)
            {
                var tenant = session.ForTenant(write.Tenant);
                tenant.Events.StartStream(write.ApplicationId, write.Events.Cast<object>().ToArray());
                // Insert, not Store: an open renewal committed meanwhile by another writer collides on (tenant_id, id).
                tenant.Insert(new OpenRenewal { Id = write.ApplicantTckn, ApplicationId = write.ApplicationId });
                if (write.Claim is { } claim)
                    SingleUseClaims.Claim(session, write.Tenant, write.ApplicationId, claim);
                // The expiring list's row of the applicant, from the row read above (see CertificateHolderProjection).
                var key = new OpenKey(write.Tenant, write.ApplicantTckn);
                if (CertificateHolders.Apply(holders.GetValueOrDefault(key), write.ApplicantTckn, write.Events[0]) is { } holder)
                    tenant.Store(holders[key] = holder);
            }
            // Only the written applications' blobs: a replay or a refusal keeps nothing.
            var blobs = plan.Writes.SelectMany(w => w.Blobs).ToList();
            EvidenceTable.Queue(session, blobs, storedEvidence);
            // One notification per tenant for the whole transaction, delivered to every node only if it commits.
            foreach (var group in plan.Writes.GroupBy(w => w.Tenant, StringComparer.Ordinal))
            {
                QueueNotifications.Queue(session, group.Key,
                    group.Select(w => new QueueNotifications.Entry(w.ApplicationId, QueueNotifications.KindOf(w.Events))));
                if (observer is not null)
                    await observer.BeforeCommitAsync(group.Key).ConfigureAwait(false);
            }
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
    public async Task<StoreResult<WriteResult>> SubmitAsync(SubmitRenewal command, CancellationToken ct)
    {
        if (await TryCommitAsync([command], ct).ConfigureAwait(false) is [var answer])
            return answer;
        await using var session = store.QuerySession(command.Tenant.ProvinceCode);
        var tenantOf = new Dictionary<Guid, string> { [command.ApplicationId] = command.Tenant.ProvinceCode };
        return SubmissionPlanner.AfterLostRace((await ReadAsync(session, [command], tenantOf, ct).ConfigureAwait(false)).Known, command);
    }

    /// <summary>
    /// The stored submissions, open renewals and claimed material the commands can meet, their applicants' rows of the
    /// expiring list and of the staff lists (and which directorates keep one), in one statement (one round trip and one snapshot, whatever the number of tenants). Existence is read by id on the inline view (written in the
    /// same transaction as its stream, so it exists exactly when the stream does): an events query by stream id cannot
    /// use mt_events' (tenant_id, stream_id, version) index well. Then only replays read their stream.
    /// </summary>
    private static async Task<(SubmissionSnapshot Known, Dictionary<OpenKey, CertificateHolder> Holders)> ReadAsync(IQuerySession session, IReadOnlyList<SubmitRenewal> commands,
        IReadOnlyDictionary<Guid, string> tenantOf, CancellationToken ct)
    {
        var ids = commands.Select(c => c.ApplicationId).Distinct().ToArray();
        var guards = commands.Select(OpenKey.Of).Distinct().ToArray();
        var keys = commands.Select(c => SingleUse.Of(c.Confirmation)).OfType<SingleUseKey>().Distinct().ToArray();
        // One text per row (AdvancedSql maps single scalar columns); no field holds a space (tenant codes, TCKNs, uuids,
        // enum names and hex keys) but a holder's JSON, which comes last.
        var rows = await session.AdvancedSql.QueryAsync<string>(
            $"select 'v ' || v.tenant_id || ' ' || v.id::text from {Views} v where v.id = any(?::uuid[]) " +
            $"union all select 'o ' || o.tenant_id || ' ' || o.id || ' ' || (o.data ->> 'ApplicationId') " +
            $"from unnest(?::text[], ?::text[]) as w(tenant, tckn) join {OpenRenewals} o on o.tenant_id = w.tenant and o.id = w.tckn " +
            $"union all {SingleUseClaims.HeldSql} " +
            $"union all select 'h ' || h.tenant_id || ' ' || h.id || ' ' || h.data::text " +
            $"from unnest(?::text[], ?::text[]) as w(tenant, tckn) join {Holders} h on h.tenant_id = w.tenant and h.id = w.tckn " +
            $"union all select 'r ' || r.tenant_id || ' ' || r.id || ' ' || (r.data ->> 'Category') " +
            $"from unnest(?::text[], ?::text[]) as w(tenant, tckn) join {Roster} r on r.tenant_id = w.tenant and r.id = w.tckn where r.active " +
            $"union all select 'R ' || t.tenant from unnest(?::text[]) as t(tenant) where exists (select 1 from {Roster} r where r.tenant_id = t.tenant)", ct,
            [ids, guards.Select(g => g.Tenant).ToArray(), guards.Select(g => g.Tckn).ToArray(),
                keys.Select(k => k.Kind.ToString()).ToArray(), keys.Select(k => k.Key).ToArray(),
                guards.Select(g => g.Tenant).ToArray(), guards.Select(g => g.Tckn).ToArray(),
                guards.Select(g => g.Tenant).ToArray(), guards.Select(g => g.Tckn).ToArray(),
                guards.Select(g => g.Tenant).Distinct().ToArray()]).ConfigureAwait(false);
        var serializer = session.DocumentStore.Options.Serializer();
        var holders = new Dictionary<OpenKey, CertificateHolder>();
        var found = new List<Guid>();
        var open = new Dictionary<OpenKey, Guid>();
        var listed = new Dictionary<OpenKey, StaffCategory>();
        var rosterTenants = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var parts = row.Split(' ');
            if (parts is ["v", var tenant, var id] && Guid.TryParse(id, out var view) && tenantOf.GetValueOrDefault(view) == tenant)
                found.Add(view);
            else if (parts is ["o", var guardTenant, var tckn, var holder] && Guid.TryParse(holder, out var holderId))
                open[new OpenKey(guardTenant, tckn)] = holderId;
            else if (parts is ["r", var rosterTenant, var rosterTckn, var category] && Enum.TryParse<StaffCategory>(category, out var staff))
                listed[new OpenKey(rosterTenant, rosterTckn)] = staff;
            else if (parts is ["R", var keeps])
                rosterTenants.Add(keeps);
            else if (parts[0] == "h" && row.Split(' ', 4) is [_, var holderTenant, var holderTckn, var json])
                holders[new OpenKey(holderTenant, holderTckn)] = serializer.FromJson<CertificateHolder>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        }
        var claims = SingleUseClaims.Parse(rows.Where(r => r.StartsWith("c ", StringComparison.Ordinal)).Select(r => r[2..]));
        var stored = await ReadStoredAsync(session, found, tenantOf, ct).ConfigureAwait(false);
        return (new SubmissionSnapshot(stored.ToDictionary(s => s.ApplicationId), open, claims, listed, rosterTenants), holders);
    }

    /// <summary>The stored submissions among <paramref name="ids"/>, one stream read each (replays only, so rare).</summary>
    private static async Task<List<StoredSubmission>> ReadStoredAsync(IQuerySession session, IReadOnlyList<Guid> ids,
        IReadOnlyDictionary<Guid, string> tenantOf, CancellationToken ct)
    {
        var found = new List<StoredSubmission>();
        foreach (var id in ids)
        {
            var events = await session.ForTenant(tenantOf[id]).Events.FetchStreamAsync(id, token: ct).ConfigureAwait(false);
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
