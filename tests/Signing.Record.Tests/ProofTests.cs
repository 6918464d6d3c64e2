using static Signing.Record.Tests.Reference;

namespace Signing.Record.Tests;

/// <summary>Proofs against the CT reference vectors, then every (index, size) and every (size1, size2) up to 64, and tampering.</summary>
public class ProofTests
{
    private const int Max = 64;
    private static readonly List<byte[]> Leaves64 = Leaves(Max);
    private static readonly byte[][] Roots = Enumerable.Range(0, Max + 1).Select(n => Mth(Leaves64, 0, n)).ToArray();

    private static Func<long, long, byte[]> Subtrees(IReadOnlyList<byte[]> leaves) => (start, end) => Mth(leaves, start, end);

    public static TheoryData<int, int, string[]> CtInclusion => new()
    {
        { 0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 0, 1, [] },
    };

    public static TheoryData<int, int, string[]> CtConsistency => new()
    {
        { 2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"] },
        { 6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"] },
        { 1, 1, [] },
    };

    [Theory, MemberData(nameof(CtInclusion))]
    public void Inclusion_proofs_match_the_ct_vectors(int index, int size, string[] expected)
    {
        var leaves = TreeHashTests.CtLeafHashes;
        var proof = MerkleProof.Inclusion(index, size, Subtrees(leaves));
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyInclusion(index, size, leaves[index], proof, Hex(TreeHashTests.CtRoots[size])));
    }

    [Theory, MemberData(nameof(CtConsistency))]
    public void Consistency_proofs_match_the_ct_vectors(int size1, int size2, string[] expected)
    {
        var proof = MerkleProof.Consistency(size1, size2, Subtrees(TreeHashTests.CtLeafHashes));
        Assert.Equal(expected, proof.Select(Convert.ToHexStringLower));
        Assert.True(MerkleProof.VerifyConsistency(size1, size2, Hex(TreeHashTests.CtRoots[size1]), Hex(TreeHashTests.CtRoots[size2]), proof));
    }

    [Fact]
    public void Every_inclusion_proof_up_to_64_verifies_and_every_tampering_is_refused()
    {
        for (var size = 1; size <= Max; size++)
        {
            for (var index = 0; index < size; index++)
            {
                var proof = MerkleProof.Inclusion(index, size, Subtrees(Leaves64));
                var leaf = Leaves64[index];
                Assert.True(MerkleProof.VerifyInclusion(index, size, leaf, proof, Roots[size]), $"{index}/{size}");

                Assert.False(MerkleProof.VerifyInclusion(index, size, Leaves64[(index + 1) % Max], proof, Roots[size]));
                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, proof, Roots[size - 1]));
                Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. proof, Leaves64[0]], Roots[size]));
                if (size < Max)
                    Assert.False(MerkleProof.VerifyInclusion(index, size + 1, leaf, proof, Roots[size + 1]), $"grown {index}/{size}");
                // A smaller tree's root passed off as a larger tree's: the path runs out before the size does.
                Assert.False(MerkleProof.VerifyInclusion(index, 2 * size, leaf, proof, Roots[size]), $"claimed larger {index}/{size}");
                Assert.False(MerkleProof.VerifyInclusion(size, size, leaf, proof, Roots[size]));
                Assert.False(MerkleProof.VerifyInclusion(-1, size, leaf, proof, Roots[size]));
                if (size > 1 && index != size - 1 - index)
                    Assert.False(MerkleProof.VerifyInclusion(size - 1 - index, size, leaf, proof, Roots[size]), $"moved {index}/{size}");
                for (var i = 0; i < proof.Count; i++)
                {
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, Flip(proof, i), Roots[size]), $"flip {i} of {index}/{size}");
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [.. proof.Take(i)], Roots[size]), $"cut {i} of {index}/{size}");
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, Short(proof, i), Roots[size]));
                }
                if (proof.Count >= 2)
                    Assert.False(MerkleProof.VerifyInclusion(index, size, leaf, [proof[1], proof[0], .. proof.Skip(2)], Roots[size]));
            }
        }
    }

    [Fact]
    public void Every_consistency_proof_up_to_64_verifies_and_every_tampering_is_refused()
    {
        for (var size2 = 0; size2 <= Max; size2++)
        {
            for (var size1 = 0; size1 <= size2; size1++)
            {
                var proof = MerkleProof.Consistency(size1, size2, Subtrees(Leaves64));
                Assert.True(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], proof), $"{size1}->{size2}");
                if (size1 != size2)
                    Assert.False(MerkleProof.VerifyConsistency(size2, size1, Roots[size2], Roots[size1], proof));
                if (size1 == 0 && size2 > 0)
                    Assert.False(MerkleProof.VerifyConsistency(0, size2, Roots[1], Roots[size2], proof), $"non-empty root1 0->{size2}");
                if (size1 > 0) // any tree extends the empty one, whatever its root
                {
                    var otherRoot = Roots[size1 - 1];
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, otherRoot, Roots[size2], proof), $"root1 {size1}->{size2}");
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2 - 1], proof), $"root2 {size1}->{size2}");
                }
                Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], [.. proof, Leaves64[3]]));
                for (var i = 0; i < proof.Count; i++)
                {
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], Flip(proof, i)), $"flip {i} of {size1}->{size2}");
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], [.. proof.Take(i)]), $"cut {i} of {size1}->{size2}");
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], Short(proof, i)));
                }
                if (proof.Count >= 2 && !proof[0].SequenceEqual(proof[1]))
                    Assert.False(MerkleProof.VerifyConsistency(size1, size2, Roots[size1], Roots[size2], [proof[1], proof[0], .. proof.Skip(2)]));
            }
        }
    }

    [Fact]
    public void Generation_refuses_impossible_requests_and_reads_only_log_n_subtrees()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProof.Inclusion(8, 8, Subtrees(Leaves64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProof.Inclusion(-1, 8, Subtrees(Leaves64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MerkleProof.Consistency(5, 3, Subtrees(Leaves64)));
        var calls = 0;
        var proof = MerkleProof.Inclusion(123_456_789, 1L << 40, (_, _) => { calls++; return new byte[32]; });
        Assert.Equal(40, proof.Count);
        Assert.Equal(40, calls);
        calls = 0;
        MerkleProof.Consistency(123_456_789, (1L << 40) + 17, (_, _) => { calls++; return new byte[32]; });
        Assert.InRange(calls, 1, 2 * 41);
    }

    private static List<byte[]> Flip(IReadOnlyList<byte[]> proof, int i)
    {
        var copy = proof.Select(p => p.ToArray()).ToList();
        copy[i][i % 32] ^= 0x01;
        return copy;
    }

    private static List<byte[]> Short(IReadOnlyList<byte[]> proof, int i)
    {
        var copy = proof.ToList();
        copy[i] = copy[i][..31];
        return copy;
    }
}
