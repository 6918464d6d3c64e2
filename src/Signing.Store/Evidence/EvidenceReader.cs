using Marten;
using Npgsql;

namespace Signing.Store;

/// <summary>A blob of signing.evidence as stored.</summary>
public sealed record StoredEvidence(string Sha256, string MediaType, byte[] Bytes, DateTimeOffset StoredAt);

/// <summary>Reads signing.evidence by hash (content-addressed: no tenant; who may see a blob is decided by the event naming it).</summary>
public sealed class EvidenceReader(IDocumentStore store)
{
    public async Task<StoredEvidence?> FindAsync(string sha256, CancellationToken ct = default) =>
        (await FindManyAsync([sha256], ct).ConfigureAwait(false)).GetValueOrDefault(sha256.ToLowerInvariant());

    /// <summary>The stored blobs among <paramref name="sha256s"/>, by hash; one round trip.</summary>
    public async Task<IReadOnlyDictionary<string, StoredEvidence>> FindManyAsync(IReadOnlyCollection<string> sha256s, CancellationToken ct = default)
    {
        var found = new Dictionary<string, StoredEvidence>(StringComparer.Ordinal);
        if (sha256s.Count == 0)
            return found;
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"select sha256, media_type, bytes, stored_at from {EvidenceTable.Qualified} where sha256 = any($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sha256s.Select(s => s.ToLowerInvariant()).Distinct().ToArray() });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var row = new StoredEvidence(reader.GetString(0), reader.GetString(1), (byte[])reader.GetValue(2),
                reader.GetFieldValue<DateTimeOffset>(3));
            found[row.Sha256] = row;
        }
        return found;
    }

    /// <summary>How many blobs are stored (tests and diagnostics).</summary>
    public async Task<long> CountAsync(CancellationToken ct = default)
    {
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"select count(*) from {EvidenceTable.Qualified}", connection);
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }
}
