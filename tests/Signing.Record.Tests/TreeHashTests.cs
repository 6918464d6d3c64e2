using static Signing.Record.Tests.Reference;

namespace Signing.Record.Tests;

/// <summary>The RFC 6962 / certificate-transparency reference tree: 8 leaves, the root at every size.</summary>
public class TreeHashTests
{
    public static readonly byte[][] CtLeafInputs =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
            .Select(Convert.FromHexString).ToArray();

    public static readonly string[] CtRoots =
    [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    public static byte[][] CtLeafHashes => CtLeafInputs.Select(i => MerkleHash.Leaf(i)).ToArray();

    [Fact]
    public void The_builder_gives_the_reference_root_at_every_size()
    {
        var builder = new MerkleTreeBuilder();
        Assert.Equal(CtRoots[0], Convert.ToHexStringLower(builder.Root()));
        for (var i = 0; i < CtLeafInputs.Length; i++)
        {
            builder.Append(MerkleHash.Leaf(CtLeafInputs[i]));
            Assert.Equal(i + 1, builder.Size);
            Assert.Equal(CtRoots[i + 1], Convert.ToHexStringLower(builder.Root()));
        }
    }

    [Fact]
    public void Leaf_node_and_empty_hashes_are_domain_separated_sha256()
    {
        Assert.Equal(CtRoots[0], Convert.ToHexStringLower(MerkleHash.EmptyRoot));
        Assert.Equal(CtRoots[1], Convert.ToHexStringLower(MerkleHash.Leaf([])));
        Assert.Equal(CtRoots[2], Convert.ToHexStringLower(MerkleHash.Node(MerkleHash.Leaf(CtLeafInputs[0]), MerkleHash.Leaf(CtLeafInputs[1]))));
        // A leaf larger than the stack buffer takes the pooled path and hashes the same.
        var big = new byte[5000];
        Random.Shared.NextBytes(big);
        Assert.Equal(LeafHash(big), MerkleHash.Leaf(big));
        Assert.Throws<ArgumentException>(() => MerkleHash.Node(new byte[31], new byte[32]));
    }

    [Fact]
    public void The_builder_agrees_with_the_recursive_definition_up_to_300_leaves()
    {
        var leaves = Leaves(300);
        var builder = new MerkleTreeBuilder();
        for (var n = 0; n <= leaves.Count; n++)
        {
            Assert.Equal(Mth(leaves, 0, n), builder.Root());
            if (n < leaves.Count)
                builder.Append(leaves[n]);
        }
    }

    [Fact]
    public void A_builder_continued_from_a_compact_range_reaches_the_same_roots()
    {
        var leaves = Leaves(100);
        for (var cut = 0; cut <= 70; cut++)
        {
            var first = new MerkleTreeBuilder();
            foreach (var leaf in leaves.Take(cut))
                first.Append(leaf);
            var second = new MerkleTreeBuilder(cut, first.CompactRange());
            foreach (var leaf in leaves.Skip(cut))
                second.Append(leaf);
            Assert.Equal(Mth(leaves, 0, leaves.Count), second.Root());
        }
        Assert.Throws<ArgumentException>(() => new MerkleTreeBuilder(6, [new byte[32]]));
    }

    [Fact]
    public void The_builder_reports_every_perfect_subtree_it_completes_once_with_its_hash()
    {
        var leaves = Leaves(77);
        var seen = new List<(int Level, long Index, byte[] Hash)>();
        var builder = new MerkleTreeBuilder((level, index, hash) => seen.Add((level, index, hash.ToArray())));
        foreach (var leaf in leaves)
            builder.Append(leaf);
        var expected = new List<(int, long)>();
        for (var level = 1; (1L << level) <= leaves.Count; level++)
            for (long index = 0; (index + 1) << level <= leaves.Count; index++)
                expected.Add((level, index));
        Assert.Equal(expected.Order(), seen.Select(s => (s.Level, s.Index)).Order());
        foreach (var (level, index, hash) in seen)
            Assert.Equal(Mth(leaves, index << level, (index + 1) << level), hash);
    }
}

/// <summary>Alone in its collection: it counts the process's CPU time, which parallel tests would add to.</summary>
[Collection(Name)]
public class BuilderSpeedTests
{
    public const string Name = "speed";

    [Fact]
    public void Appending_allocates_nothing_and_runs_at_a_million_leaves_a_second()
    {
        var leaf = MerkleHash.Leaf([1, 2, 3]);
        var builder = new MerkleTreeBuilder();
        for (var i = 0; i < 1000; i++)
            builder.Append(leaf);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
            builder.Append(leaf);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Leaves per second of CPU time (the machine is shared, wall time says more about the neighbours), best of three.
        var best = 0.0;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        for (var run = 0; run < 3 && best < 1_000_000; run++)
        {
            var timed = new MerkleTreeBuilder();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            for (var i = 0; i < 1_000_000; i++)
                timed.Append(leaf);
            process.Refresh();
            best = Math.Max(best, 1_000_000 / (process.TotalProcessorTime - cpu).TotalSeconds);
        }
        Assert.True(best >= 1_000_000, $"{best:N0} leaves per CPU second");
    }
}

[CollectionDefinition(BuilderSpeedTests.Name, DisableParallelization = true)]
public sealed class SpeedCollection;
