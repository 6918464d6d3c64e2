using Signing.Record;

namespace Signing.Store.Log;

/// <summary>
/// Any subtree hash MTH(D[start:end]) as a composition of aligned perfect subtrees, the only ones the log stores
/// (level 0 in log_leaves, the rest in log_nodes).
/// </summary>
internal static class PerfectSubtrees
{
    /// <summary>MTH(D[start:end]) from stored perfect subtrees, following RFC 9162's recursion.</summary>
    public static byte[] Compose(long start, long end, IReadOnlyDictionary<(int, long), byte[]> nodes)
    {
        if (IsPerfect(start, end, out var key))
            return nodes[key];
        var k = MerkleProof.Split(end - start);
        return MerkleHash.Node(Compose(start, start + k, nodes), Compose(start + k, end, nodes));
    }

    public static void Decompose(long start, long end, HashSet<(int, long)> keys)
    {
        if (IsPerfect(start, end, out var key))
        {
            keys.Add(key);
            return;
        }
        var k = MerkleProof.Split(end - start);
        Decompose(start, start + k, keys);
        Decompose(start + k, end, keys);
    }

    /// <summary>Whether [start, end) is one aligned perfect subtree: 2^level leaves starting at a multiple of 2^level.</summary>
    public static bool IsPerfect(long start, long end, out (int Level, long Index) key)
    {
        var n = end - start;
        var level = (int)long.TrailingZeroCount(n);
        key = (level, start >> level);
        return n > 0 && (n & (n - 1)) == 0 && (start & (n - 1)) == 0;
    }

    /// <summary>The perfect subtrees of a tree of <paramref name="size"/> leaves, largest first.</summary>
    public static List<(int, long)> CompactRange(long size)
    {
        var keys = new List<(int, long)>();
        for (var level = 62; level >= 0; level--)
        {
            if ((size >> level & 1) == 1)
                keys.Add((level, (size >> level) - 1));
        }
        return keys;
    }
}
