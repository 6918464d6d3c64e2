namespace Signing.Server.Tests.Log;

/// <summary>The tests' own RFC 9162 verifier, tried on every small tree before it judges the server's proofs.</summary>
public sealed class Rfc9162VerifierTests
{
    /// <summary>The leaves of the RFC 6962 reference test vectors (certificate-transparency), and their 8-leaf root.</summary>
    private static readonly byte[][] ReferenceLeaves =
        new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }
        .Select(Convert.FromHexString).ToArray();

    private static List<byte[]> Leaves(int n) => Enumerable.Range(0, n).Select(i => System.Text.Encoding.UTF8.GetBytes($"leaf {i}")).ToList();

    [Fact]
    public void Tree_hash_matches_the_reference_vectors()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(Rfc9162Verifier.TreeHash([])));
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Convert.ToHexStringLower(Rfc9162Verifier.TreeHash(ReferenceLeaves[..1])));
        Assert.Equal("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", Convert.ToHexStringLower(Rfc9162Verifier.TreeHash(ReferenceLeaves)));
    }

    [Fact]
    public void Every_inclusion_path_of_every_tree_up_to_40_leaves_verifies_and_any_change_fails()
    {
        for (var n = 1; n <= 40; n++)
        {
            var leaves = Leaves(n);
            var root = Rfc9162Verifier.TreeHash(leaves);
            for (var m = 0; m < n; m++)
            {
                var leaf = Rfc9162Verifier.LeafHash(leaves[m]);
                var path = Rfc9162Verifier.Path(m, leaves);
                Assert.True(Rfc9162Verifier.VerifyInclusion(m, n, leaf, path, root), $"leaf {m} of {n}");
                Assert.False(Rfc9162Verifier.VerifyInclusion(m, n, leaf, path, Rfc9162Verifier.TreeHash(leaves[..^1])));
                Assert.False(Rfc9162Verifier.VerifyInclusion(m, n, Rfc9162Verifier.LeafHash([.. leaves[m], 0]), path, root));
                Assert.False(Rfc9162Verifier.VerifyInclusion(n, n, leaf, path, root));
                if (n > 1)
                    Assert.False(Rfc9162Verifier.VerifyInclusion((m + 1) % n, n, leaf, path, root));
                for (var i = 0; i < path.Count; i++)
                    Assert.False(Rfc9162Verifier.VerifyInclusion(m, n, leaf, Flip(path, i), root));
                Assert.False(Rfc9162Verifier.VerifyInclusion(m, n, leaf, [.. path, root], root));
                if (path.Count > 0)
                    Assert.False(Rfc9162Verifier.VerifyInclusion(m, n, leaf, path[..^1], root));
            }
        }
    }

    [Fact]
    public void Every_consistency_proof_between_trees_up_to_40_leaves_verifies_and_any_change_fails()
    {
        var all = Leaves(40);
        for (var n = 1; n <= 40; n++)
        {
            var second = Rfc9162Verifier.TreeHash(all[..n]);
            for (var m = 1; m <= n; m++)
            {
                var first = Rfc9162Verifier.TreeHash(all[..m]);
                var proof = Rfc9162Verifier.Proof(m, all[..n]);
                Assert.True(Rfc9162Verifier.VerifyConsistency(m, n, first, second, proof), $"{m} → {n}");
                for (var i = 0; i < proof.Count; i++)
                    Assert.False(Rfc9162Verifier.VerifyConsistency(m, n, first, second, Flip(proof, i)));
                if (m < n)
                {
                    Assert.False(Rfc9162Verifier.VerifyConsistency(m, n, second, second, proof));
                    Assert.False(Rfc9162Verifier.VerifyConsistency(m, n, first, first, proof));
                    Assert.False(Rfc9162Verifier.VerifyConsistency(m, n, first, second, proof[..^1]));
                    // The first tree with one leaf changed is not a prefix of the second.
                    var forged = all[..m].ToList();
                    forged[m - 1] = [.. forged[m - 1], 0];
                    Assert.False(Rfc9162Verifier.VerifyConsistency(m, n, Rfc9162Verifier.TreeHash(forged), second, proof));
                }
            }
        }
    }

    private static List<byte[]> Flip(List<byte[]> hashes, int i)
    {
        var copy = hashes.Select(h => (byte[])h.Clone()).ToList();
        copy[i][0] ^= 1;
        return copy;
    }
}
