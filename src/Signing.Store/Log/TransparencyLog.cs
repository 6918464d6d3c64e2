using Marten;
using Npgsql;
using NpgsqlTypes;
using Signing.Record;
using Signing.Store.Log;

namespace Signing.Store;

/// <summary>
/// The transparency log over every stored event (design §1, §6). Leaves are written by the database trigger; this class
/// integrates them into the stored perfect-subtree hashes (<c>log_nodes</c>), answers roots and proofs from O(log n)
/// rows, and stores the signed checkpoints. Safe to share: it holds no state between calls, and two server nodes may
/// integrate at once (nodes are content-determined and inserted with on conflict do nothing).
/// </summary>
public sealed class TransparencyLog(IDocumentStore store)
{
    private const int IntegrateChunk = 16_384;
    private static readonly string Leaves = LogTables.Qualified(LogTables.Leaves), Nodes = LogTables.Qualified(LogTables.Nodes),
        Checkpoints = LogTables.Qualified(LogTables.Checkpoints), Events = SigningStore.Schema + ".mt_events";

    /// <summary>Leaves committed. The appenders' lock makes committed leaves a dense prefix, so the largest index tells.</summary>
    public async Task<long> SizeAsync(CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        return await SizeAsync(conn, ct).ConfigureAwait(false);
    }

    public async Task<LogLeaf?> FindAsync(string tenant, Guid streamId, long version, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            $"select leaf_index, seq_id, tenant_id, stream_id, version, event_type, leaf_hash, json_sha256 from {Leaves} where stream_id = $1 and version = $2 and tenant_id = $3", conn)
        {
            Parameters = { new() { Value = streamId }, new() { Value = version }, new() { Value = tenant } },
        };
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            return null;
        return new LogLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetGuid(3), reader.GetInt64(4),
            reader.GetString(5), reader.GetFieldValue<byte[]>(6), await reader.IsDBNullAsync(7, ct).ConfigureAwait(false) ? null : reader.GetFieldValue<byte[]>(7));
    }

    /// <summary>
    /// The leaf input of leaf <paramref name="index"/>, rebuilt from its stored event exactly as the trigger built it (v1 or
    /// v2, as the leaf was logged), with the event's JSON a v2 input binds by its digest (for a holder who wants to check
    /// the leaf hash); null when there is no such leaf.
    /// </summary>
    public async Task<LeafSource?> LeafInputAsync(long index, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            $"select e.tenant_id, e.stream_id, e.version, e.type, e.timestamp, e.data::text, l.json_sha256 is null from {Leaves} l join {Events} e on e.seq_id = l.seq_id where l.leaf_index = $1", conn)
        {
            Parameters = { new() { Value = index } },
        };
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            return null;
        var (tenant, stream, version, type) = (reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3));
        var micros = LeafInput.Micros(reader.GetFieldValue<DateTimeOffset>(4));
        var json = reader.GetString(5);
        var input = reader.GetBoolean(6)
            ? LeafInput.ForV1(tenant, stream, version, type, micros, json)
            : LeafInput.For(tenant, stream, version, type, micros, LeafInput.JsonSha256(json));
        return new LeafSource(input, json);
    }

    /// <summary>
    /// Stores the perfect-subtree hashes that the leaves committed since the last integration complete, and returns the
    /// size and root of the tree of all committed leaves. Each chunk of leaves commits with every node it completes,
    /// so what is stored is always every perfect subtree inside some prefix of the log; the next call resumes there.
    /// </summary>
    public async Task<(long Size, byte[] Root)> IntegrateAsync(CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        var size = await SizeAsync(conn, ct).ConfigureAwait(false);
        // Resume at the even prefix the level-1 nodes cover (no level-0 hash is kept in log_nodes).
        await using (var last = new NpgsqlCommand($"select coalesce(max(node_index) + 1, 0) * 2 from {Nodes} where level = 1", conn))
        {
            var covered = (long)(await last.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            var start = Math.Min(covered, size & ~1L);
            var range = await ReadNodesAsync(conn, PerfectSubtrees.CompactRange(start), ct).ConfigureAwait(false);
            var completed = new List<(int Level, long Index, byte[] Hash)>();
            var builder = new MerkleTreeBuilder(start, [.. PerfectSubtrees.CompactRange(start).Select(k => range[k])],
                (level, index, hash) => completed.Add((level, index, hash.ToArray())));
            while (builder.Size < size)
            {
                var end = Math.Min(size, builder.Size + IntegrateChunk);
                await foreach (var leaf in ReadLeafHashesAsync(conn, builder.Size, end, ct).ConfigureAwait(false))
                    builder.Append(leaf);
                await InsertNodesAsync(conn, completed, ct).ConfigureAwait(false);
                completed.Clear();
            }
            return (size, builder.Root());
        }
    }

    /// <summary>The root of the first <paramref name="treeSize"/> leaves.</summary>
    public async Task<byte[]> RootAsync(long treeSize, CancellationToken ct)
    {
        if (treeSize == 0)
            return MerkleHash.EmptyRoot;
        var hashes = await SubtreesAsync(treeSize, ct, subtree => [subtree(0, treeSize)]).ConfigureAwait(false);
        return hashes[0];
    }

    public async Task<IReadOnlyList<byte[]>> InclusionProofAsync(long index, long treeSize, CancellationToken ct)
    {
        if (index < 0 || index >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {treeSize} leaves.");
        return await SubtreesAsync(treeSize, ct, subtree => MerkleProof.Inclusion(index, treeSize, subtree)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<byte[]>> ConsistencyProofAsync(long size1, long size2, CancellationToken ct)
    {
        if (size1 < 0 || size1 > size2)
            throw new ArgumentOutOfRangeException(nameof(size1), $"No consistency proof from {size1} leaves to {size2}.");
        return await SubtreesAsync(size2, ct, subtree => MerkleProof.Consistency(size1, size2, subtree)).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="compute"/> twice: once to learn which perfect subtrees it needs (any subtree is composed of
    /// them, per MTH's recursion), then, after one read of those rows, for real. Integrates first when a node is missing.
    /// </summary>
    private async Task<IReadOnlyList<byte[]>> SubtreesAsync(long treeSize, CancellationToken ct, Func<Func<long, long, byte[]>, IReadOnlyList<byte[]>> compute)
    {
        var wanted = new HashSet<(int, long)>();
        compute((start, end) =>
        {
            PerfectSubtrees.Decompose(start, end, wanted);
            return new byte[MerkleHash.Size];
        });
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        var size = await SizeAsync(conn, ct).ConfigureAwait(false);
        if (treeSize > size)
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"The log holds {size} leaves, not {treeSize}.");
        var found = await ReadNodesAsync(conn, wanted, ct).ConfigureAwait(false);
        if (found.Count < wanted.Count)
        {
            await IntegrateAsync(ct).ConfigureAwait(false);
            found = await ReadNodesAsync(conn, wanted, ct).ConfigureAwait(false);
            if (found.Count < wanted.Count)
                throw new InvalidOperationException($"The log's stored nodes do not cover a tree of {treeSize} leaves.");
        }
        return compute((start, end) => PerfectSubtrees.Compose(start, end, found));
    }

    /// <summary>Stored hashes of the given perfect subtrees (level 0 = leaf hashes): one round trip.</summary>
    private static async Task<Dictionary<(int, long), byte[]>> ReadNodesAsync(NpgsqlConnection conn, IReadOnlyCollection<(int Level, long Index)> keys, CancellationToken ct)
    {
        var found = new Dictionary<(int, long), byte[]>();
        if (keys.Count == 0)
            return found;
        await using var cmd = new NpgsqlCommand($"""
            select 0, leaf_index, leaf_hash from {Leaves} where leaf_index = any($1)
            union all
            select n.level, n.node_index, n.hash from {Nodes} n join unnest($2::int[], $3::bigint[]) as k(level, node_index) using (level, node_index)
            """, conn)
        {
            Parameters =
            {
                new() { Value = keys.Where(k => k.Level == 0).Select(k => k.Index).ToArray() },
                new() { Value = keys.Where(k => k.Level > 0).Select(k => k.Level).ToArray() },
                new() { Value = keys.Where(k => k.Level > 0).Select(k => k.Index).ToArray() },
            },
        };
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
            found[(reader.GetInt32(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        return found;
    }

    private static async IAsyncEnumerable<byte[]> ReadLeafHashesAsync(NpgsqlConnection conn, long from, long to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select leaf_index, leaf_hash from {Leaves} where leaf_index >= $1 and leaf_index < $2 order by leaf_index", conn)
        {
            Parameters = { new() { Value = from }, new() { Value = to } },
        };
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var expected = from;
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            if (reader.GetInt64(0) != expected++)
                throw new InvalidOperationException($"The log has no leaf {expected - 1}: its indices are not dense.");
            yield return reader.GetFieldValue<byte[]>(1);
        }
        if (expected != to)
            throw new InvalidOperationException($"The log has no leaf {expected}: its indices are not dense.");
    }

    private static async Task InsertNodesAsync(NpgsqlConnection conn, List<(int Level, long Index, byte[] Hash)> nodes, CancellationToken ct)
    {
        if (nodes.Count == 0)
            return;
        await using var cmd = new NpgsqlCommand(
            $"insert into {Nodes} (level, node_index, hash) select * from unnest($1::int[], $2::bigint[], $3::bytea[]) on conflict do nothing", conn)
        {
            Parameters =
            {
                new() { Value = nodes.Select(n => n.Level).ToArray() },
                new() { Value = nodes.Select(n => n.Index).ToArray() },
                new() { Value = nodes.Select(n => n.Hash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            },
        };
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Stores a signed checkpoint; storing the same size again is a no-op when its root and note are the same.</summary>
    /// <exception cref="InvalidOperationException">A different checkpoint of that size is stored: the log forked.</exception>
    public async Task StoreCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            $"insert into {Checkpoints} (tree_size, root_hash, note, signature, signed_at) values ($1, $2, $3, $4, $5) on conflict (tree_size) do nothing", conn)
        {
            Parameters =
            {
                new() { Value = checkpoint.TreeSize }, new() { Value = checkpoint.RootHash }, new() { Value = checkpoint.Note },
                new() { Value = checkpoint.Signature }, new() { Value = checkpoint.SignedAt },
            },
        };
        if (await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1)
            return;
        var stored = await ReadCheckpointAsync(conn, "where tree_size = $1", checkpoint.TreeSize, ct).ConfigureAwait(false);
        if (stored is null || !stored.RootHash.AsSpan().SequenceEqual(checkpoint.RootHash) || stored.Note != checkpoint.Note)
            throw new InvalidOperationException($"A different checkpoint of tree size {checkpoint.TreeSize} is already stored.");
    }

    public async Task<StoredCheckpoint?> LatestCheckpointAsync(CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        return await ReadCheckpointAsync(conn, "order by tree_size desc limit 1", null, ct).ConfigureAwait(false);
    }

    public async Task<StoredCheckpoint?> CheckpointAsync(long treeSize, CancellationToken ct)
    {
        await using var conn = await OpenAsync(ct).ConfigureAwait(false);
        return await ReadCheckpointAsync(conn, "where tree_size = $1", treeSize, ct).ConfigureAwait(false);
    }

    private static async Task<StoredCheckpoint?> ReadCheckpointAsync(NpgsqlConnection conn, string clause, long? size, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select tree_size, root_hash, note, signature, signed_at from {Checkpoints} {clause}", conn);
        if (size is { } value)
            cmd.Parameters.Add(new() { Value = value });
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            return null;
        return new StoredCheckpoint(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2),
            reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<DateTimeOffset>(4));
    }

    private static async Task<long> SizeAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select coalesce(max(leaf_index) + 1, 0) from {Leaves}", conn);
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var conn = store.Storage.Database.CreateConnection();
        await conn.OpenAsync(ct).ConfigureAwait(false);
        return conn;
    }
}

/// <summary>A leaf's input as rebuilt from its stored event, and that event's JSON as PostgreSQL prints it.</summary>
public sealed record LeafSource(byte[] Input, string Json);
