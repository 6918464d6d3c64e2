namespace Signing.Record;

/// <summary>Called for every perfect subtree of two or more leaves that an append completes (level ≥ 1).</summary>
/// <param name="level">The subtree holds 2^level leaves.</param>
/// <param name="index">It starts at leaf index × 2^level.</param>
public delegate void SubtreeCompleted(int level, long index, ReadOnlySpan<byte> hash);

/// <summary>
/// Appends leaf hashes and gives the RFC 9162 root at any size, keeping only the compact range: one hash per set bit of
/// the size (at most 63), so memory is O(log n) and an append costs one node hash on average with no allocation.
/// </summary>
public sealed class MerkleTreeBuilder
{
    private const int MaxLevels = 63;
    private readonly byte[] _range = new byte[MaxLevels * MerkleHash.Size]; // slot L = the perfect subtree of 2^L leaves, when bit L of Size is set
    private readonly SubtreeCompleted? _completed;
    // One reused hash context and node buffer: a one-shot SHA256.HashData sets up a new native context per call, which
    // costs more than hashing the 65 bytes.
    private readonly System.Security.Cryptography.IncrementalHash _sha = System.Security.Cryptography.IncrementalHash.CreateHash(
        System.Security.Cryptography.HashAlgorithmName.SHA256);
    private readonly byte[] _node = new byte[1 + 2 * MerkleHash.Size];

    public MerkleTreeBuilder(SubtreeCompleted? completed = null) => _completed = completed;

    /// <summary>
    /// Continues a tree of <paramref name="size"/> leaves from its compact range: the hashes of its perfect subtrees left
    /// to right (largest first), one per set bit of the size.
    /// </summary>
    public MerkleTreeBuilder(long size, IReadOnlyList<byte[]> compactRange, SubtreeCompleted? completed = null) : this(completed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (compactRange.Count != long.PopCount(size))
            throw new ArgumentException($"A tree of {size} leaves has {long.PopCount(size)} perfect subtrees, not {compactRange.Count}.", nameof(compactRange));
        var next = 0;
        for (var level = MaxLevels - 1; level >= 0; level--)
        {
            if ((size >> level & 1) == 0)
                continue;
            MerkleHash.RequireHash(compactRange[next], nameof(compactRange));
            compactRange[next++].CopyTo(Slot(level));
        }
        Size = size;
    }

    public long Size { get; private set; }

    public void Append(ReadOnlySpan<byte> leafHash)
    {
        MerkleHash.RequireHash(leafHash, nameof(leafHash));
        if (Size == long.MaxValue)
            throw new InvalidOperationException("The tree is full.");
        Span<byte> hash = stackalloc byte[MerkleHash.Size];
        leafHash.CopyTo(hash);
        var level = 0;
        for (; (Size >> level & 1) == 1; level++)
        {
            Node(Slot(level), hash, hash);
            _completed?.Invoke(level + 1, Size >> (level + 1), hash);
        }
        hash.CopyTo(Slot(level));
        Size++;
    }

    public byte[] Root()
    {
        if (Size == 0)
            return MerkleHash.EmptyRoot;
        var root = new byte[MerkleHash.Size];
        var started = false;
        for (var level = 0; level < MaxLevels; level++)
        {
            if ((Size >> level & 1) == 0)
                continue;
            if (started)
                Node(Slot(level), root, root);
            else
                Slot(level).CopyTo(root);
            started = true;
        }
        return root;
    }

    /// <summary>The perfect subtrees' hashes, largest (leftmost) first: what the second constructor takes back.</summary>
    public IReadOnlyList<byte[]> CompactRange()
    {
        var range = new List<byte[]>();
        for (var level = MaxLevels - 1; level >= 0; level--)
        {
            if ((Size >> level & 1) == 1)
                range.Add(Slot(level).ToArray());
        }
        return range;
    }

    private void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        _node[0] = 0x01;
        left.CopyTo(_node.AsSpan(1));
        right.CopyTo(_node.AsSpan(1 + MerkleHash.Size));
        _sha.AppendData(_node);
        _sha.GetHashAndReset(destination);
    }

    private Span<byte> Slot(int level) => _range.AsSpan(level * MerkleHash.Size, MerkleHash.Size);
}
