using Marten;
using Npgsql;
using Signing.Domain;

namespace Signing.Store;

/// <summary>One import of a tenant's staff list: the judged rows, and who sent them from where.</summary>
/// <param name="Complete">The rows are the whole list: active people missing from them are deactivated.</param>
/// <param name="Received">Rows sent in all, refused ones included (for the record).</param>
/// <param name="Refused">Rows refused before the store saw them (for the record).</param>
public sealed record RosterImport(string Tenant, IReadOnlyList<RosterEntry> Entries, bool Complete, string Source, string ImportedBy,
    int Received, int Refused, DateTimeOffset Now);

/// <summary>What an import did. <see cref="Written"/> is false when nothing differed (no row and no event was written).</summary>
public sealed record RosterImportResult(int Added, int Changed, int Deactivated, int Unchanged, bool Written);

/// <summary>
/// The directorates' staff lists (<see cref="RosterMember"/>, one row per person per tenant). An import reads what it
/// compares against and writes only what differs, in one transaction, so the same file twice writes nothing the second
/// time; each import that changed something leaves a <see cref="RosterImported"/> on the tenant's roster stream.
/// </summary>
public sealed class RosterStore(IDocumentStore store)
{
    /// <summary>Rows one erasure statement touches at most: a sweep after a mass deactivation does not hold 100k row locks at once.</summary>
    public const int EraseBatch = 5_000;

    /// <summary>The stream that records a tenant's imports.</summary>
    public static Guid StreamId(string tenant) => ApplicationStore.ApplicationIdFor(tenant, "roster");

    public async Task<RosterImportResult> ImportAsync(RosterImport import, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession(import.Tenant);
        // Reads and writes in one transaction, and one import per tenant at a time: two imports racing would each compare
        // against the rows before the other and could both count (and record) the same change.
        await session.BeginTransactionAsync(ct);
        await session.AdvancedSql.QueryAsync<int>("select 1 from (select pg_advisory_xact_lock(hashtextextended(?, 0))) as locked", ct,
            "signing/roster/" + import.Tenant);

        var current = import.Complete
            ? await session.Query<RosterMember>().ToListAsync(ct)
            : await session.LoadManyAsync<RosterMember>(ct, import.Entries.Select(e => e.Tckn.Value).ToArray());
        var byId = current.ToDictionary(m => m.Id, StringComparer.Ordinal);

        var now = import.Now.ToUniversalTime();
        var writes = new List<RosterMember>();
        int added = 0, changed = 0, deactivated = 0, unchanged = 0;
        foreach (var entry in import.Entries)
        {
            var existing = byId.GetValueOrDefault(entry.Tckn.Value);
            byId.Remove(entry.Tckn.Value);
            var next = Apply(existing, entry, now);
            if (existing is null)
                added++;
            else if (Same(existing, next))
            {
                unchanged++;
                continue;
            }
            else if (existing.Active && !next.Active)
                deactivated++;
            else
                changed++;
            writes.Add(next);
        }
        if (import.Complete)
        {
            // Whoever is left was not in the whole list: no longer staff.
            foreach (var missing in byId.Values.Where(m => m.Active))
            {
                writes.Add(missing with { Active = false, DeactivatedAt = now, UpdatedAt = now });
                deactivated++;
            }
        }
        if (writes.Count == 0)
            return new RosterImportResult(added, changed, deactivated, unchanged, Written: false);

        session.Store(writes.ToArray());
        session.Events.Append(StreamId(import.Tenant), new RosterImported(import.Source, import.ImportedBy, import.Complete,
            import.Received, added, changed, deactivated, unchanged, import.Refused, now));
        await session.SaveChangesAsync(ct);
        return new RosterImportResult(added, changed, deactivated, unchanged, Written: true);
    }

    /// <summary>
    /// The row an entry makes of the person's current one. Deactivation keeps an earlier date; reactivation clears it. The
    /// contact data of a person whose contact was erased is not taken back while they stay deactivated (KVKK: nothing needs it).
    /// </summary>
    public static RosterMember Apply(RosterMember? existing, RosterEntry entry, DateTimeOffset now)
    {
        var erased = !entry.Active && existing?.ContactErasedAt is not null;
        return new RosterMember
        {
            Id = entry.Tckn.Value,
            Name = entry.Name,
            Category = entry.Category,
            Institution = entry.Institution,
            Email = erased ? null : entry.Email,
            Phone = erased ? null : entry.Phone,
            Active = entry.Active,
            UpdatedAt = now,
            DeactivatedAt = entry.Active ? null : existing?.DeactivatedAt ?? now,
            ContactErasedAt = erased ? existing!.ContactErasedAt : null,
        };
    }

    private static bool Same(RosterMember a, RosterMember b) =>
        a.Name == b.Name && a.Category == b.Category && a.Institution == b.Institution && a.Email == b.Email && a.Phone == b.Phone
        && a.Active == b.Active && a.DeactivatedAt == b.DeactivatedAt && a.ContactErasedAt == b.ContactErasedAt;

    /// <summary>The person on this tenant's roster, or null.</summary>
    public async Task<RosterMember?> FindAsync(string tenant, string tckn, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return await session.LoadAsync<RosterMember>(tckn, ct);
    }

    /// <summary>How many people this tenant's roster holds (active ones only, or all).</summary>
    public async Task<int> CountAsync(string tenant, bool activeOnly, CancellationToken ct = default)
    {
        await using var session = store.QuerySession(tenant);
        return activeOnly ? await session.Query<RosterMember>().CountAsync(m => m.Active, ct) : await session.Query<RosterMember>().CountAsync(ct);
    }

    /// <summary>
    /// KVKK: erases the e-mail and phone of everybody (every tenant) deactivated before <paramref name="cutoff"/> whose
    /// contact is still kept, and marks when. Batched statements over the deactivation index; returns how many rows.
    /// </summary>
    public async Task<int> EraseStaleContactsAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken ct = default)
    {
        // Marten's table for RosterMember (its default name in the schema).
        const string table = SigningStore.Schema + ".mt_doc_rostermember";
        var sql = $"""
            with stale as (
                select tenant_id, id from {table}
                where deactivated_at is not null and deactivated_at < @cutoff and data ->> 'ContactErasedAt' is null
                limit @batch for update skip locked)
            update {table} d
            set data = d.data || jsonb_build_object('Email', null, 'Phone', null, 'ContactErasedAt', to_jsonb(@now)),
                mt_last_modified = @now
            from stale where d.tenant_id = stale.tenant_id and d.id = stale.id
            """;
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        var total = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("cutoff", cutoff.ToUniversalTime());
            command.Parameters.AddWithValue("now", now.ToUniversalTime());
            command.Parameters.AddWithValue("batch", EraseBatch);
            var erased = await command.ExecuteNonQueryAsync(ct);
            total += erased;
            if (erased < EraseBatch)
                return total;
        }
    }
}
