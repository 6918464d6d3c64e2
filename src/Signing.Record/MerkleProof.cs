namespace Signing.Record;

/// <summary>
/// RFC 9162 inclusion and consistency proofs: generation (§2.1.3.1, §2.1.4.1) from any source of subtree hashes, and
/// verification (§2.1.3.2, §2.1.4.2) that needs nothing but the hashes.
/// </summary>
public static class MerkleProof
{
    /// <summary>The audit path of leaf <paramref name="index"/> in the tree of <paramref name="treeSize"/> leaves.</summary>
    /// <param name="subtreeHash">(start, end) → MTH(D[start:end]); called O(log n) times.</param>
    public static IReadOnlyList<byte[]> Inclusion(long index, long treeSize, Func<long, long, byte[]> subtreeHash)
    {
        if (index < 0 || index >= treeSize)
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {treeSize} leaves.");
        var proof = new List<byte[]>();
        Path(index, 0, treeSize, subtreeHash, proof);
        return proof;
    }

    private static void Path(long m, long start, long end, Func<long, long, byte[]> subtreeHash, List<byte[]> proof)
    {
        if (end - start <= 1)
            return;
        var k = Split(end - start);
        if (m < start + k)
        {
            Path(m, start, start + k, subtreeHash, proof);
            proof.Add(subtreeHash(start + k, end));
        }
        else
        {
            Path(m, start + k, end, subtreeHash, proof);
            proof.Add(subtreeHash(start, start + k));
        }
    }

    /// <summary>The proof that the tree of <paramref name="size2"/> leaves extends the one of <paramref name="size1"/>.</summary>
    public static IReadOnlyList<byte[]> Consistency(long size1, long size2, Func<long, long, byte[]> subtreeHash)
    {
        if (size1 < 0 || size1 > size2)
            throw new ArgumentOutOfRangeException(nameof(size1), $"No consistency proof from {size1} leaves to {size2}.");
        var proof = new List<byte[]>();
        if (size1 > 0 && size1 < size2)
            SubProof(size1, 0, size2, true, subtreeHash, proof);
        return proof;
    }

    private static void SubProof(long m, long start, long end, bool whole, Func<long, long, byte[]> subtreeHash, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!whole)
                proof.Add(subtreeHash(start, end));
            return;
        }
        var k = Split(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, whole, subtreeHash, proof);
            proof.Add(subtreeHash(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, subtreeHash, proof);
            proof.Add(subtreeHash(start, start + k));
        }
    }

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n ≥ 2).</summary>
    public static long Split(long n) => 1L << (int)(63 - long.LeadingZeroCount(n - 1));

    public static bool VerifyInclusion(long index, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= treeSize || leafHash.Length != MerkleHash.Size || root.Length != MerkleHash.Size)
            return false;
        long fn = index, sn = treeSize - 1;
        Span<byte> r = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(r);
        foreach (var p in proof)
        {
            if (sn == 0 || p is not { Length: MerkleHash.Size })
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(p, r, r);
                ShiftPastRightEdge(ref fn, ref sn);
            }
            else
            {
                MerkleHash.Node(r, p, r);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.SequenceEqual(root);
    }

    public static bool VerifyConsistency(long size1, long size2, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2, IReadOnlyList<byte[]> proof)
    {
        if (size1 < 0 || size1 > size2 || root1.Length != MerkleHash.Size || root2.Length != MerkleHash.Size)
            return false;
        // The RFC's algorithm starts at 0 < size1 < size2; the two edge cases have empty proofs by definition.
        if (size1 == size2)
            return proof.Count == 0 && root1.SequenceEqual(root2);
        if (size1 == 0)
            return proof.Count == 0 && root1.SequenceEqual(MerkleHash.EmptyRoot);
        if (proof.Count == 0)
            return false;
        foreach (var p in proof)
        {
            if (p is not { Length: MerkleHash.Size })
                return false;
        }

        // Step 2: when size1 is a power of two the first tree is a perfect subtree of the second and its root heads the path.
        var powerOfTwo = (size1 & (size1 - 1)) == 0;
        var next = 0;
        ReadOnlySpan<byte> first = powerOfTwo ? root1 : proof[next++];
        long fn = size1 - 1, sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        Span<byte> fr = stackalloc byte[MerkleHash.Size], sr = stackalloc byte[MerkleHash.Size];
        first.CopyTo(fr);
        first.CopyTo(sr);
        for (; next < proof.Count; next++)
        {
            var c = proof[next];
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHash.Node(c, fr, fr);
                MerkleHash.Node(c, sr, sr);
                ShiftPastRightEdge(ref fn, ref sn);
            }
            else
            {
                MerkleHash.Node(sr, c, sr);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.SequenceEqual(root1) && sr.SequenceEqual(root2);
    }

    /// <summary>The RFC's "if LSB(fn) is not set, right-shift fn and sn equally until either LSB(fn) is set or fn is 0".</summary>
    private static void ShiftPastRightEdge(ref long fn, ref long sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }
    }
}
