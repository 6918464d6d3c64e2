using System.Collections.Concurrent;
using Npgsql;
using Signing.Store;

namespace Signing.Load.Cluster;

/// <summary>
/// What the store holds after a chaos run, read with a superuser's login straight from the tables (not through any
/// node): submissions per request id, stream versions, the transparency log's leaves, decisions.
/// </summary>
public static class StoreCheck
{
    public sealed record Result
    {
        /// <summary>Request ids of every stored submission of the tenant.</summary>
        // Not in the JSON report (tens of thousands of ids); System.Text.Json refuses an ignored property that is required.
        [System.Text.Json.Serialization.JsonIgnore]
        public IReadOnlySet<string> StoredRequestIds { get; init; } = new HashSet<string>();
        public long StoredSubmissions { get; init; }
        /// <summary>Acknowledged request ids whose application is not stored (or is stored under another id).</summary>
        public required IReadOnlyList<string> Lost { get; init; }
        public required IReadOnlyList<string> DoubledRequestIds { get; init; }
        public long StreamsWithTwoSubmissions { get; init; }
        public long StreamsWithGaps { get; init; }
        public long StreamVersionMismatches { get; init; }
        public long Events { get; init; }
        public long EventsNotInLog { get; init; }
        public long LeavesTwice { get; init; }
        public long LeavesWithoutEvent { get; init; }
        public required IReadOnlyList<Guid> DecisionsLost { get; init; }
        public long DecisionsDoubled { get; init; }
    }

    private static readonly string S = SigningStore.Schema;
    // The event's JSON keeps the record's property names as the store's serializer writes them.
    private const string RequestId = "coalesce(data->>'ClientRequestId', data->>'clientRequestId')";

    public static async Task<Result> RunAsync(string connectionString, string tenant,
        ConcurrentDictionary<string, Guid> acknowledged, ConcurrentDictionary<Guid, string> decisions)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        var stored = new Dictionary<string, List<Guid>>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand($"select {RequestId}, stream_id from {S}.mt_events where tenant_id = @t and type = 'renewal_submitted'", connection))
        {
            command.Parameters.AddWithValue("t", tenant);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetString(0);
                if (!stored.TryGetValue(id, out var streams))
                    stored[id] = streams = [];
                streams.Add(reader.GetGuid(1));
            }
        }
        var lost = acknowledged.Where(a => !stored.TryGetValue(a.Key, out var streams) || !streams.Contains(a.Value)).Select(a => a.Key).ToList();
        var doubled = stored.Where(s => s.Value.Distinct().Count() > 1).Select(s => s.Key).ToList();

        var decisionIds = decisions.Keys.ToArray();
        var approvals = new Dictionary<Guid, long>();
        await using (var command = new NpgsqlCommand(
            $"select stream_id, count(*) from {S}.mt_events where stream_id = any(@ids) and type = 'approval_given' group by stream_id", connection))
        {
            command.Parameters.AddWithValue("ids", decisionIds);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                approvals[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        return new Result
        {
            StoredRequestIds = stored.Keys.ToHashSet(StringComparer.Ordinal),
            StoredSubmissions = stored.Values.Sum(v => v.Count),
            Lost = lost,
            DoubledRequestIds = doubled,
            StreamsWithTwoSubmissions = await CountAsync(connection,
                $"select count(*) from (select stream_id from {S}.mt_events where type = 'renewal_submitted' group by stream_id having count(*) > 1) d"),
            StreamsWithGaps = await CountAsync(connection,
                $"select count(*) from (select stream_id from {S}.mt_events group by stream_id having min(version) <> 1 or max(version) <> count(*) or count(distinct version) <> count(*)) g"),
            StreamVersionMismatches = await CountAsync(connection,
                $"select count(*) from {S}.mt_streams s join (select stream_id, max(version) v from {S}.mt_events group by stream_id) e on e.stream_id = s.id where s.version <> e.v"),
            Events = await CountAsync(connection, $"select count(*) from {S}.mt_events"),
            EventsNotInLog = await CountAsync(connection,
                $"select count(*) from {S}.mt_events e where not exists (select 1 from {S}.log_leaves l where l.seq_id = e.seq_id and l.stream_id = e.stream_id and l.version = e.version)"),
            LeavesTwice = await CountAsync(connection,
                $"select count(*) from (select stream_id, version from {S}.log_leaves group by stream_id, version having count(*) > 1) d"),
            LeavesWithoutEvent = await CountAsync(connection,
                $"select count(*) from {S}.log_leaves l where not exists (select 1 from {S}.mt_events e where e.seq_id = l.seq_id)"),
            DecisionsLost = decisionIds.Where(id => !approvals.ContainsKey(id)).ToList(),
            DecisionsDoubled = approvals.Count(a => a.Value > 1),
        };
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
