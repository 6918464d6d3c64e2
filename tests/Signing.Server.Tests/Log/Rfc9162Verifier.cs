using System.Security.Cryptography;

namespace Signing.Server.Tests.Log;

/// <summary>
/// A second RFC 9162 implementation, written from the RFC's text alone and kept apart from the product's Signing.Record,
/// so that a proof the server gives is judged by code that shares none of its mistakes. The verification algorithms are
/// §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), step by step; the tree hash (§2.1.1) and the proof definitions
/// (§2.1.3.1 PATH, §2.1.4.1 PROOF/SUBPROOF) are here only as the recursive definitions, to test the verifiers on every
/// small tree.
/// </summary>
public static class Rfc9162Verifier
{
    public static byte[] LeafHash(byte[] leafInput) => SHA256.HashData([0x00, .. leafInput]);

    private static byte[] NodeHash(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    /// <summary>§2.1.3.2: whether <paramref name="path"/> proves that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree.</summary>
    public static bool VerifyInclusion(long index, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> path, byte[] rootHash)
    {
        // 1. leaf_index >= tree_size fails.
        if (index >= treeSize || index < 0)
            return false;
        // 2.-3.
        var fn = index;
        var sn = treeSize - 1;
        var r = leafHash;
        // 4.
        foreach (var p in path)
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // 5.
        return sn == 0 && r.AsSpan().SequenceEqual(rootHash);
    }

    /// <summary>
    /// §2.1.4.2: whether <paramref name="path"/> proves that the tree of <paramref name="second"/> leaves extends the tree of
    /// <paramref name="first"/>. Equal sizes (outside the algorithm, whose PROOF is defined for first &lt; second) hold
    /// with an empty path and equal roots.
    /// </summary>
    public static bool VerifyConsistency(long first, long second, byte[] firstHash, byte[] secondHash, IReadOnlyList<byte[]> path)
    {
        if (first < 1 || first > second)
            return false;
        if (first == second)
            return path.Count == 0 && firstHash.AsSpan().SequenceEqual(secondHash);
        // 1.
        if (path.Count == 0)
            return false;
        // 2.
        var consistency = new List<byte[]>(path);
        if ((first & (first - 1)) == 0)
            consistency.Insert(0, firstHash);
        // 3.
        var fn = first - 1;
        var sn = second - 1;
        // 4.
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        // 5.
        var fr = consistency[0];
        var sr = consistency[0];
        // 6.
        foreach (var c in consistency.Skip(1))
        {
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        // 7.
        return fr.AsSpan().SequenceEqual(firstHash) && sr.AsSpan().SequenceEqual(secondHash) && sn == 0;
    }

    /// <summary>§2.1.1 MTH over leaf inputs.</summary>
    public static byte[] TreeHash(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0)
            return SHA256.HashData([]);
        if (leaves.Count == 1)
            return LeafHash(leaves[0]);
        var k = LargestPowerOfTwoBelow(leaves.Count);
        return NodeHash(TreeHash(leaves.Take(k).ToList()), TreeHash(leaves.Skip(k).ToList()));
    }

    /// <summary>§2.1.3.1 PATH(m, D[n]).</summary>
    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 1)
            return [];
        var k = LargestPowerOfTwoBelow(leaves.Count);
        var left = leaves.Take(k).ToList();
        var right = leaves.Skip(k).ToList();
        return m < k ? [.. Path(m, left), TreeHash(right)] : [.. Path(m - k, right), TreeHash(left)];
    }

    /// <summary>§2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true).</summary>
    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> leaves) => SubProof(m, leaves, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> leaves, bool b)
    {
        var n = leaves.Count;
        if (m == n)
            return b ? [] : [TreeHash(leaves)];
        var k = LargestPowerOfTwoBelow(n);
        var left = leaves.Take(k).ToList();
        var right = leaves.Skip(k).ToList();
        return m <= k ? [.. SubProof(m, left, b), TreeHash(right)] : [.. SubProof(m - k, right, false), TreeHash(left)];
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n &gt; 1).</summary>
    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k << 1 < n)
            k <<= 1;
        return k;
    }
}
