using Marten;
using Npgsql;
using Signing.Domain;
using Signing.Record;
using Signing.TestKit;

namespace Signing.Store.Tests.Log;

/// <summary>
/// A database of its own: the log holds exactly the leaves these tests write, and the many applications they submit
/// leave the shared store fixture's statistics (and so its query plans) alone.
/// </summary>
public sealed class LogFixture : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();
    public DocumentStore Store { get; private set; } = null!;
    public TransparencyLog Log { get; private set; } = null!;
    public ApplicationStore Applications { get; private set; } = null!;
    public string ConnectionString => _postgres.ConnectionString;
    public string OwnerConnectionString => _postgres.OwnerConnectionString;
    public PostgresFixture Postgres => _postgres;

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Store = SigningStore.CreateDocumentStore(_postgres.ConnectionString);
        Log = new TransparencyLog(Store);
        Applications = new ApplicationStore(Store);
    }

    public async Task DisposeAsync()
    {
        Store.Dispose();
        await _postgres.DisposeAsync();
    }

    /// <summary>Commits <paramref name="streams"/> new streams of <paramref name="eventsEach"/> events in one transaction.</summary>
    public async Task WriteAsync(int streams, int eventsEach)
    {
        await using var session = Store.LightweightSession("t-log");
        for (var s = 0; s < streams; s++)
        {
            var events = Enumerable.Range(0, eventsEach)
                .Select(i => (object)new CertificateSeen("12345678950", "Ayşe Çelik", ApplicantCategory.Doctor, DateTimeOffset.UnixEpoch.AddDays(20_000 + i), "ab".PadRight(64, 'c'), DateTimeOffset.UnixEpoch.AddDays(19_000)))
                .ToArray();
            session.Events.StartStream(Guid.NewGuid(), events);
        }
        await session.SaveChangesAsync();
    }

    public async Task<List<byte[]>> LeafHashesAsync()
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select leaf_index, leaf_hash from signing.log_leaves order by leaf_index", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var hashes = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            Assert.Equal(hashes.Count, reader.GetInt64(0));
            hashes.Add(reader.GetFieldValue<byte[]>(1));
        }
        return hashes;
    }

    /// <summary>Tampering, behind the server's back: as the owner (the runtime role may not change the log).</summary>
    public async Task<int> ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_postgres.OwnerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LogCollection : ICollectionFixture<LogFixture>
{
    public const string Name = "log";
}

/// <summary>Roots, proofs and stored nodes from the database against a MerkleTreeBuilder over the same leaves.</summary>
[Collection(LogCollection.Name)]
public class TransparencyLogTests(LogFixture fx)
{
    [Fact]
    public async Task Integration_stores_exactly_the_perfect_subtrees_and_roots_and_proofs_from_the_store_verify()
    {
        var log = fx.Log;
        foreach (var (streams, each) in new[] { (1, 1), (3, 2), (1, 1), (5, 3), (2, 13), (40, 1), (1, 64), (9, 5) })
        {
            await fx.WriteAsync(streams, each);
            var (size, root) = await log.IntegrateAsync(default);
            Assert.Equal(await log.SizeAsync(default), size);
            Assert.Equal(Reference(await fx.LeafHashesAsync(), (int)size).Root(), root);
        }
        var leaves = await fx.LeafHashesAsync();
        var n = leaves.Count;
        Assert.True(n > 150, $"{n} leaves");
        await AssertNodesAreExactlyThePerfectSubtrees(leaves);

        var roots = new byte[n + 1][];
        for (var size = 0; size <= n; size++)
        {
            roots[size] = Reference(leaves, size).Root();
            Assert.Equal(roots[size], await log.RootAsync(size, default));
        }
        foreach (var size in new[] { 1, 2, 3, 7, 8, 9, 63, 64, 65, 100, n - 1, n })
        {
            for (var index = 0; index < size; index++)
            {
                var proof = await log.InclusionProofAsync(index, size, default);
                Assert.True(MerkleProof.VerifyInclusion(index, size, leaves[index], proof, roots[size]), $"inclusion {index}/{size}");
            }
            for (var first = 0; first <= size; first += 1 + first / 4)
            {
                var proof = await log.ConsistencyProofAsync(first, size, default);
                Assert.True(MerkleProof.VerifyConsistency(first, size, roots[first], roots[size], proof), $"consistency {first}->{size}");
            }
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.InclusionProofAsync(n, n, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.InclusionProofAsync(0, n + 1, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.ConsistencyProofAsync(2, n + 1, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.RootAsync(n + 1, default));

        var input = await log.LeafInputAsync(n - 1, default);
        Assert.Equal(leaves[n - 1], MerkleHash.Leaf(input!.Input));
        Assert.Null(await log.LeafInputAsync(n, default));
    }

    [Fact]
    public async Task Integration_resumes_after_a_partial_one_and_concurrent_integrations_agree()
    {
        await fx.WriteAsync(37, 3);
        await fx.Log.IntegrateAsync(default);
        // A crash after some chunks: only the nodes inside a prefix remain.
        await fx.ExecuteAsync("delete from signing.log_nodes where (node_index + 1) * (1::bigint << level) > 50");
        await fx.WriteAsync(11, 2);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => fx.Log.IntegrateAsync(default))));
        var leaves = await fx.LeafHashesAsync();
        Assert.All(results, r => Assert.Equal((long)leaves.Count, r.Size));
        Assert.All(results, r => Assert.Equal(Reference(leaves, leaves.Count).Root(), r.Root));
        await AssertNodesAreExactlyThePerfectSubtrees(leaves);
        // Proofs ask for nodes an integration has not yet written: the log integrates on demand.
        await fx.WriteAsync(5, 1);
        var all = await fx.LeafHashesAsync();
        var proof = await fx.Log.InclusionProofAsync(all.Count - 1, all.Count, default);
        Assert.True(MerkleProof.VerifyInclusion(all.Count - 1, all.Count, all[^1], proof, Reference(all, all.Count).Root()));
    }

    [Fact]
    public async Task A_checkpoint_is_stored_once_and_a_different_one_of_the_same_size_is_refused()
    {
        var root = MerkleHash.Leaf([9]);
        var at = new DateTimeOffset(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);
        var first = new StoredCheckpoint(100_000, root, new Checkpoint("o", 100_000, root).Body(), [1, 2, 3], at);
        await fx.Log.StoreCheckpointAsync(first, default);
        await fx.Log.StoreCheckpointAsync(first with { Signature = [4, 5], SignedAt = at.AddSeconds(1) }, default);
        var stored = await fx.Log.CheckpointAsync(100_000, default);
        Assert.NotNull(stored);
        Assert.Equal(first.Note, stored.Note);
        Assert.Equal(first.Signature, stored.Signature);
        Assert.Equal(first.RootHash, stored.RootHash);
        Assert.Equal(at, stored.SignedAt);

        var other = MerkleHash.Leaf([8]);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            fx.Log.StoreCheckpointAsync(first with { RootHash = other, Note = new Checkpoint("o", 100_000, other).Body() }, default));

        await fx.Log.StoreCheckpointAsync(first with { TreeSize = 100_001, Note = "later" }, default);
        Assert.Equal(100_001, (await fx.Log.LatestCheckpointAsync(default))!.TreeSize);
        Assert.Null(await fx.Log.CheckpointAsync(99_999, default));
    }

    private async Task AssertNodesAreExactlyThePerfectSubtrees(List<byte[]> leaves)
    {
        var expected = new Dictionary<(int, long), string>();
        var builder = new MerkleTreeBuilder((level, index, hash) => expected[(level, index)] = Convert.ToHexStringLower(hash));
        foreach (var leaf in leaves)
            builder.Append(leaf);
        await using var conn = new NpgsqlConnection(fx.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select level, node_index, hash from signing.log_nodes", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var stored = new Dictionary<(int, long), string>();
        while (await reader.ReadAsync())
            stored[(reader.GetInt32(0), reader.GetInt64(1))] = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2));
        Assert.Equal(expected.OrderBy(e => e.Key), stored.OrderBy(e => e.Key));
    }

    private static MerkleTreeBuilder Reference(IReadOnlyList<byte[]> leaves, int size)
    {
        var builder = new MerkleTreeBuilder();
        foreach (var leaf in leaves.Take(size))
            builder.Append(leaf);
        return builder;
    }
}
