using System.Globalization;
using System.Text;
using Npgsql;
using Signing.Domain;

namespace Signing.Store;

/// <summary>
/// One person of the expiring list: the last certificate seen for them joined with the roster and their open renewal.
/// </summary>
/// <param name="Category">The roster's category; for someone not on the roster, the category they last applied or were
/// checked under (an individual applicant is other staff); null when neither is known.</param>
/// <param name="RenewalApplicationId">The open renewal application, if any.</param>
/// <param name="RenewalStatus">That application's status.</param>
/// <param name="ReminderStage">The last reminder stage scheduled for this certificate (days before notAfter); null when none.</param>
public sealed record ExpiringEntry(string Tckn, string Name, StaffCategory? Category, string? Institution, bool OnRoster,
    DateTimeOffset NotAfter, Guid? RenewalApplicationId, ApplicationStatus? RenewalStatus, int? ReminderStage)
{
    public bool RenewalOpen => RenewalApplicationId is not null;
}

/// <summary>How many people of one category are on the expiring list, and how many of them have a renewal open.</summary>
public sealed record ExpiringCategoryCount(StaffCategory? Category, int Expiring, int RenewalOpen);

/// <summary>How many people of the expiring list have reached a reminder stage (0 = none yet).</summary>
public sealed record ExpiringStageCount(int StageDays, int People);

/// <summary>Counts of the expiring list (the people <see cref="ApplicationStore.ListExpiringAsync"/> would list).</summary>
public sealed record ExpiringCounts(int WithinDays, int Total, IReadOnlyList<ExpiringCategoryCount> ByCategory, IReadOnlyList<ExpiringStageCount> ByStage);

public sealed partial class ApplicationStore
{
    public const int MaxExpiringDays = 365;

    private static readonly string Holders = SigningStore.Schema + ".mt_doc_certificateholder", Roster = SigningStore.Schema + ".mt_doc_rostermember",
        OpenRenewals = SigningStore.Schema + ".mt_doc_openrenewal", Views = SigningStore.Schema + ".mt_doc_applicationview";

    /// <summary>
    /// The people of the list and what the list shows of them. A person whose roster row is inactive has left the
    /// directorate and is not listed; someone the roster does not know is (the officer should hear of them). The joins are
    /// on the (tenant_id, id) primary keys, one probe each per row of the holders' keyset walk.
    /// </summary>
    private static readonly string From = $"""
        from {Holders} h
        left join {Roster} r on r.tenant_id = h.tenant_id and r.id = h.id
        left join {OpenRenewals} o on o.tenant_id = h.tenant_id and o.id = h.id
        left join {Views} v on v.tenant_id = h.tenant_id and v.id = (o.data ->> 'ApplicationId')::uuid
        where h.tenant_id = $1 and h.not_after > $2 and h.not_after <= $3 and coalesce(r.active, true)
        """;

    /// <summary>The staff category a row counts under: the roster's, else the applicant category it was last seen with.</summary>
    private const string CategoryOf =
        "coalesce(r.data ->> 'Category', case h.data ->> 'Category' when 'Individual' then 'OtherStaff' else h.data ->> 'Category' end)";

    /// <summary>
    /// The tenant's people whose NES ends within <paramref name="withinDays"/> days of <paramref name="now"/> (not yet
    /// expired), soonest first, keyset-paged on (notAfter, TCKN): pass the previous page's Next to continue. One statement
    /// per page, walking the (tenant_id, not_after, id) index, so a page costs the same at 10k or 1M people.
    /// </summary>
    /// <param name="category">Only people of this category (the roster's, else the one they applied or were checked under).</param>
    public async Task<Page<ExpiringEntry, ExpiringCursor>> ListExpiringAsync(string tenant, DateTimeOffset now, int withinDays, ExpiringCursor? after,
        int pageSize, StaffCategory? category = null, CancellationToken ct = default)
    {
        CheckWithin(withinDays);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var sql = ExpiringPageSql(after is not null, category is not null);
        var parameters = ExpiringPageParameters(tenant, now, withinDays, after, pageSize, category);
        await using var conn = store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = Command(conn, sql, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ExpiringEntry>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ExpiringEntry(
                reader.GetString(0),
                reader.IsDBNull(1) ? "" : reader.GetString(1),
                reader.IsDBNull(2) ? null : Enum.TryParse<StaffCategory>(reader.GetString(2), out var c) ? c : null,
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetBoolean(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetGuid(6),
                reader.IsDBNull(7) ? null : Enum.TryParse<ApplicationStatus>(reader.GetString(7), out var s) ? s : null,
                reader.IsDBNull(8) ? null : reader.GetInt32(8)));
        }
        return Paged(rows, pageSize, last => new ExpiringCursor(last.NotAfter, last.Tckn));
    }

    /// <summary>
    /// The page statement of <see cref="ListExpiringAsync"/> (public for the benchmark's EXPLAIN): $1 tenant, $2 now, $3
    /// the horizon, then the cursor's notAfter and TCKN when <paramref name="after"/>, the category when
    /// <paramref name="category"/>, and the row limit last (<see cref="ExpiringPageParameters"/> gives them in order).
    /// </summary>
    public static string ExpiringPageSql(bool after, bool category)
    {
        var sql = new StringBuilder($"""
            select h.id, coalesce(nullif(r.data ->> 'Name', ''), h.data ->> 'Name'), {CategoryOf}, r.data ->> 'Institution', r.id is not null,
                   h.not_after, (o.data ->> 'ApplicationId')::uuid, v.status, (h.data ->> 'ReminderStage')::int
            {From}
            """);
        var n = 3;
        if (after)
        {
            sql.Append($" and (h.not_after, h.id) > (${n + 1}, ${n + 2})");
            n += 2;
        }
        if (category)
            sql.Append($" and {CategoryOf} = ${++n}");
        sql.Append($" order by h.not_after, h.id limit ${n + 1}");
        return sql.ToString();
    }

    /// <summary>The parameters of <see cref="ExpiringPageSql"/>, in order (one more row than the page, to know whether another follows).</summary>
    public static IReadOnlyList<object> ExpiringPageParameters(string tenant, DateTimeOffset now, int withinDays, ExpiringCursor? after, int pageSize, StaffCategory? category)
    {
        now = now.ToUniversalTime();
        var parameters = new List<object> { tenant, now, now.AddDays(withinDays) };
        if (after is not null)
        {
            parameters.Add(after.NotAfter.ToUniversalTime());
            parameters.Add(after.Tckn);
        }
        if (category is { } wanted)
            parameters.Add(wanted.ToString());
        parameters.Add(pageSize + 1);
        return parameters;
    }

    /// <summary>
    /// Counts of the same list in one statement: per category (with how many have a renewal open) and per reminder stage
    /// reached (<see cref="ReminderStages.Reached"/>: the fewest stage days not below the days left; 0 before any). Every
    /// stage is in the answer, with 0 when nobody is at it.
    /// </summary>
    public async Task<ExpiringCounts> GetExpiringStatsAsync(string tenant, DateTimeOffset now, int withinDays, IReadOnlyList<int> stages, CancellationToken ct = default)
    {
        CheckWithin(withinDays);
        if (ReminderStages.Problem(stages) is { } problem)
            throw new ArgumentException(problem, nameof(stages));
        now = now.ToUniversalTime();
        // Ascending, the first stage whose deadline the certificate is within is the one reached. The stages are checked
        // integers, written into the statement as such.
        var stage = new StringBuilder("case");
        foreach (var days in stages.Order())
            stage.Append(CultureInfo.InvariantCulture, $" when h.not_after <= $2 + interval '{days} days' then {days}");
        stage.Append(" else 0 end");
        var sql = $"""
            with people as (
                select {CategoryOf} as category, o.id is not null as renewal_open, {stage} as stage
                {From}
            )
            select 0, category, 0, count(*)::int, (count(*) filter (where renewal_open))::int from people group by category
            union all
            select 1, null, stage, count(*)::int, 0 from people group by stage
            """;
        await using var conn = store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct);
        await using var cmd = Command(conn, sql, [tenant, now, now.AddDays(withinDays)]);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var byCategory = new List<ExpiringCategoryCount>();
        var byStage = stages.Order().ToDictionary(s => s, _ => 0);
        byStage[0] = 0;
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetInt32(0) == 0)
                byCategory.Add(new ExpiringCategoryCount(reader.IsDBNull(1) ? null : Enum.TryParse<StaffCategory>(reader.GetString(1), out var c) ? c : null,
                    reader.GetInt32(3), reader.GetInt32(4)));
            else
                byStage[reader.GetInt32(2)] = reader.GetInt32(3);
        }
        return new ExpiringCounts(withinDays, byCategory.Sum(c => c.Expiring),
            byCategory.OrderBy(c => c.Category is null ? int.MaxValue : (int)c.Category).ToList(),
            byStage.OrderByDescending(s => s.Key).Select(s => new ExpiringStageCount(s.Key, s.Value)).ToList());
    }

    private static void CheckWithin(int withinDays)
    {
        if (withinDays is < 1 or > MaxExpiringDays)
            throw new ArgumentOutOfRangeException(nameof(withinDays), withinDays, $"1..{MaxExpiringDays} days");
    }

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, IEnumerable<object> parameters)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        foreach (var value in parameters)
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        return cmd;
    }
}
