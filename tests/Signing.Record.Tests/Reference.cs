using System.Security.Cryptography;

namespace Signing.Record.Tests;

/// <summary>
/// RFC 9162 §2.1.1's recursive definition of MTH, written straight from the text over a list of leaf hashes: the
/// yardstick the product's builder and proofs are held against.
/// </summary>
public static class Reference
{
    public static byte[] Mth(IReadOnlyList<byte[]> leafHashes, long start, long end)
    {
        var n = end - start;
        if (n == 0)
            return SHA256.HashData(Array.Empty<byte>());
        if (n == 1)
            return leafHashes[(int)start];
        long k = 1;
        while (k * 2 < n)
            k *= 2;
        return SHA256.HashData([0x01, .. Mth(leafHashes, start, start + k), .. Mth(leafHashes, start + k, end)]);
    }

    public static byte[] LeafHash(byte[] data) => SHA256.HashData([0x00, .. data]);

    /// <summary>Distinct leaves for property tests.</summary>
    public static List<byte[]> Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => LeafHash(BitConverter.GetBytes(i * 2654435761L))).ToList();

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
