using System.Text.Json;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Signing.Domain;

namespace Signing.Store;

/// <summary>A tenant's reminders by state, for the expiring list's stats.</summary>
/// <param name="Pending">Scheduled, not yet sent (including those waiting to retry).</param>
/// <param name="Sent">Delivered to the SMTP server.</param>
/// <param name="Retrying">Failed at least once and waiting to retry (also counted in <paramref name="Pending"/>).</param>
/// <param name="Failed">Given up after the last attempt.</param>
/// <param name="Cancelled">Not sent: the person opened a renewal, or a newer certificate or a later stage took its place.</param>
public sealed record ReminderCounts(int Pending, int Sent, int Retrying, int Failed, int Cancelled);

/// <summary>An outbox row a sender has leased. <see cref="Recipient"/> and <see cref="Name"/> are null once erased.</summary>
public sealed record ClaimedReminder(
    string Tenant,
    string Tckn,
    string CertificateSha256,
    int StageDays,
    Guid MessageId,
    string? Recipient,
    string? Name,
    StaffCategory Category,
    DateTimeOffset NotAfter,
    int Attempts,
    bool RenewalOpen,
    bool Superseded);

/// <summary>
/// Schedules renewal reminders (the event on the holder's stream, the holder's row and the outbox row, in one
/// transaction) and serves the senders (claim with a lease, then sent, failed or cancelled).
/// </summary>
public sealed class ReminderStore(IDocumentStore store)
{
    /// <summary>The first key of the scheduler's advisory lock (the second is the tenant's hash).</summary>
    private const int LockClass = 0x52454D; // "REM"

    private static readonly string Holders = SigningStore.Schema + ".mt_doc_certificateholder";
    private static readonly string Roster = SigningStore.Schema + ".mt_doc_rostermember";
    private static readonly string OpenRenewals = SigningStore.Schema + ".mt_doc_openrenewal";
    private static readonly string Outbox = ReminderOutbox.Qualified;

    /// <summary>
    /// Holders due a reminder: not expired and within the widest stage, on the roster, active, with an e-mail address,
    /// no open renewal, and a reached stage more advanced than the one last scheduled for their certificate. A range of
    /// the (tenant_id, not_after, id) index, never the whole table. Rows as JSON text (AdvancedSql maps one column).
    /// </summary>
    private static readonly string CandidatesSql =
        $"select json_build_object('tckn', h.id, 'stage', s.stage, 'email', r.data ->> 'Email', 'name', r.data ->> 'Name', 'category', r.data ->> 'Category')::text " +
        $"from {Holders} h " +
        $"cross join lateral (select min(x) as stage from unnest(?::int[]) as x where h.not_after <= ?::timestamptz + make_interval(days => x)) s " +
        $"join {Roster} r on r.tenant_id = h.tenant_id and r.id = h.id and r.active and coalesce(r.data ->> 'Email', '') <> '' " +
        $"where h.tenant_id = ? and h.not_after > ? and h.not_after <= ? and s.stage is not null " +
        $"and h.data ->> 'CertificateSha256' is not null " +
        $"and (h.data ->> 'ReminderStage' is null or s.stage < (h.data ->> 'ReminderStage')::int) " +
        $"and not exists (select 1 from {OpenRenewals} o where o.tenant_id = h.tenant_id and o.id = h.id) " +
        $"order by h.not_after, h.id limit ?";

    private static readonly string InsertSql =
        $"insert into {Outbox} (tenant_id, tckn, certificate_sha256, stage_days, recipient, name, category, not_after, scheduled_at, next_attempt_at) " +
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing";

    private sealed record Candidate(string Tckn, int Stage, string Email, string? Name, string Category);

    /// <summary>
    /// Schedules the reminders now due in <paramref name="tenant"/>: for each person, only the most advanced stage reached
    /// (first seen with 20 days left: the 30-day reminder, not 90, 60 and 30). One node at a time per tenant (a
    /// transaction-scoped advisory lock; a node that finds it taken leaves the work to the holder). Returns how many
    /// were scheduled.
    /// </summary>
    public async Task<int> ScheduleDueAsync(string tenant, IReadOnlyList<int> stages, DateTimeOffset now, int batchSize = 500, CancellationToken ct = default)
    {
        if (stages.Count == 0)
            return 0;
        now = now.ToUniversalTime();
        var horizon = now.AddDays(stages.Max());
        var total = 0;
        while (true)
        {
            await using var session = store.LightweightSession(tenant);
            await session.BeginTransactionAsync(ct).ConfigureAwait(false);
            var locked = await session.AdvancedSql.QueryAsync<bool>("select pg_try_advisory_xact_lock(?, hashtext(?))", ct, LockClass, tenant).ConfigureAwait(false);
            if (!locked[0])
                return total;
            var rows = await session.AdvancedSql.QueryAsync<string>(CandidatesSql, ct,
                stages.ToArray(), now, tenant, now, horizon, batchSize).ConfigureAwait(false);
            if (rows.Count == 0)
                return total;
            var candidates = rows.Select(r => JsonSerializer.Deserialize<Candidate>(r, Json)!).ToList();
            var holders = (await session.LoadManyAsync<CertificateHolder>(ct, candidates.Select(c => c.Tckn)).ConfigureAwait(false))
                .ToDictionary(h => h.Id);
            foreach (var c in candidates)
            {
                if (!holders.TryGetValue(c.Tckn, out var holder) || holder.CertificateSha256 is not { } certificate)
                    continue;
                var scheduled = new ReminderScheduled(c.Tckn, certificate, holder.NotAfter, c.Stage, now);
                // The holder's stream, the one RecordCertificateSeenAsync appends to.
                session.Events.Append(ApplicationStore.ApplicationIdFor(tenant, "certificate-holder/" + c.Tckn), scheduled);
                session.Store(CertificateHolders.Apply(holder, c.Tckn, scheduled)!);
                session.QueueSqlCommand(InsertSql, tenant, c.Tckn, certificate, c.Stage, c.Email, c.Name ?? "", c.Category,
                    holder.NotAfter.ToUniversalTime(), now, now);
            }
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
            total += candidates.Count;
            if (rows.Count < batchSize)
                return total;
        }
    }

    /// <summary>The tenant's reminders by state: one scan of the tenant's part of the outbox's primary key.</summary>
    public async Task<ReminderCounts> ReminderCountsAsync(string tenant, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "select count(*) filter (where sent_at is null and cancelled_at is null and given_up_at is null), " +
            "count(*) filter (where sent_at is not null), " +
            "count(*) filter (where sent_at is null and cancelled_at is null and given_up_at is null and attempts > 0), " +
            "count(*) filter (where given_up_at is not null), " +
            "count(*) filter (where cancelled_at is not null) " +
            $"from {Outbox} where tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenant);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return new ReminderCounts((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4));
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due rows of <paramref name="tenants"/> to <paramref name="owner"/> until
    /// <paramref name="now"/> + <paramref name="lease"/>. Rows another node holds (locked or leased) are skipped, so two
    /// nodes never send the same row. Each row says whether a renewal is open now and whether a newer certificate or a
    /// later stage has taken its place, so the sender cancels instead of sending.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedReminder>> ClaimAsync(IReadOnlyCollection<string> tenants, DateTimeOffset now, TimeSpan lease, string owner, int limit,
        CancellationToken ct = default)
    {
        if (tenants.Count == 0)
            return [];
        now = now.ToUniversalTime();
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"with due as (select tenant_id, tckn, certificate_sha256, stage_days from {Outbox} " +
            "where sent_at is null and cancelled_at is null and given_up_at is null and next_attempt_at <= @now " +
            "and tenant_id = any(@tenants) and (lease_until is null or lease_until <= @now) " +
            "order by next_attempt_at limit @limit for update skip locked) " +
            $"update {Outbox} o set lease_until = @until, lease_owner = @owner from due " +
            "where o.tenant_id = due.tenant_id and o.tckn = due.tckn and o.certificate_sha256 = due.certificate_sha256 and o.stage_days = due.stage_days " +
            "returning o.tenant_id, o.tckn, o.certificate_sha256, o.stage_days, o.message_id, o.recipient, o.name, o.category, o.not_after, o.attempts, " +
            $"exists (select 1 from {OpenRenewals} r where r.tenant_id = o.tenant_id and r.id = o.tckn), " +
            $"(select coalesce(h.data ->> 'CertificateSha256', '') <> o.certificate_sha256 or coalesce((h.data ->> 'ReminderStage')::int, o.stage_days) < o.stage_days " +
            $"from {Holders} h where h.tenant_id = o.tenant_id and h.id = o.tckn)", connection);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("until", now + lease);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.Add(new NpgsqlParameter("tenants", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = tenants.ToArray() });
        var claimed = new List<ClaimedReminder>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            claimed.Add(new ClaimedReminder(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                Enum.Parse<StaffCategory>(reader.GetString(7)), reader.GetFieldValue<DateTimeOffset>(8), reader.GetInt32(9),
                reader.GetBoolean(10), reader.IsDBNull(11) || reader.GetBoolean(11)));
        }
        return claimed;
    }

    /// <summary>The message went out: settled, and the address and name are erased. False when the lease was lost.</summary>
    public Task<bool> MarkSentAsync(ClaimedReminder row, string owner, DateTimeOffset now, CancellationToken ct = default) =>
        SettleAsync(row, owner, "sent_at = @now, attempts = attempts + 1, last_error = null, recipient = null, name = null", now, null, null, ct);

    /// <summary>Not to be sent (a renewal was opened, …): settled as cancelled, with the reason.</summary>
    public Task<bool> CancelAsync(ClaimedReminder row, string owner, DateTimeOffset now, string reason, CancellationToken ct = default) =>
        SettleAsync(row, owner, "cancelled_at = @now, last_error = @error, recipient = null, name = null", now, reason, null, ct);

    /// <summary>
    /// An attempt failed: tried again at <paramref name="retryAt"/>, or given up (and the address erased) when it is null.
    /// </summary>
    public Task<bool> MarkFailedAsync(ClaimedReminder row, string owner, DateTimeOffset now, string error, DateTimeOffset? retryAt, CancellationToken ct = default) =>
        retryAt is { } at
            ? SettleAsync(row, owner, "attempts = attempts + 1, last_error = @error, next_attempt_at = @retry", now, error, at, ct)
            : SettleAsync(row, owner, "attempts = attempts + 1, last_error = @error, given_up_at = @now, recipient = null, name = null", now, error, null, ct);

    private async Task<bool> SettleAsync(ClaimedReminder row, string owner, string set, DateTimeOffset now, string? error, DateTimeOffset? retryAt, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"update {Outbox} set {set}, lease_until = null, lease_owner = null " +
            "where tenant_id = @tenant and tckn = @tckn and certificate_sha256 = @certificate and stage_days = @stage and lease_owner = @owner", connection);
        command.Parameters.AddWithValue("tenant", row.Tenant);
        command.Parameters.AddWithValue("tckn", row.Tckn);
        command.Parameters.AddWithValue("certificate", row.CertificateSha256);
        command.Parameters.AddWithValue("stage", row.StageDays);
        command.Parameters.AddWithValue("owner", owner);
        if (set.Contains("@now", StringComparison.Ordinal))
            command.Parameters.AddWithValue("now", now.ToUniversalTime());
        if (error is not null)
            command.Parameters.AddWithValue("error", error);
        if (retryAt is { } retry)
            command.Parameters.AddWithValue("retry", retry.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
