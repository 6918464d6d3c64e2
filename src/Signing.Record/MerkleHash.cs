using System.Buffers;
using System.Security.Cryptography;

namespace Signing.Record;

/// <summary>RFC 9162 §2.1.1 hashing: SHA-256 with domain separation between leaves (0x00) and interior nodes (0x01).</summary>
public static class MerkleHash
{
    public const int Size = 32;
    private const byte LeafPrefix = 0x00, NodePrefix = 0x01;
    private static readonly byte[] Empty = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The root of the empty tree, SHA-256 of nothing (a copy: callers may keep or change it).</summary>
    public static byte[] EmptyRoot => (byte[])Empty.Clone();

    public static byte[] Leaf(ReadOnlySpan<byte> leafInput)
    {
        var hash = new byte[Size];
        Leaf(leafInput, hash);
        return hash;
    }

    public static void Leaf(ReadOnlySpan<byte> leafInput, Span<byte> destination)
    {
        // One-shot hashing of a prefixed copy is cheaper than an IncrementalHash per leaf (the audit hashes millions).
        var length = leafInput.Length + 1;
        var rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null;
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        buffer[0] = LeafPrefix;
        leafInput.CopyTo(buffer[1..]);
        SHA256.HashData(buffer, destination);
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        Node(left, right, hash);
        return hash;
    }

    /// <summary>Writes SHA-256(0x01 ‖ left ‖ right) into <paramref name="destination"/>, which may overlap either input.</summary>
    public static void Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        RequireHash(left, nameof(left));
        RequireHash(right, nameof(right));
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        SHA256.HashData(buffer, destination);
    }

    internal static void RequireHash(ReadOnlySpan<byte> hash, string name)
    {
        if (hash.Length != Size)
            throw new ArgumentException($"A tree hash is {Size} bytes, not {hash.Length}.", name);
    }
}
