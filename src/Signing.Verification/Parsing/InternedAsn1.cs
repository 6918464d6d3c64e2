using System.Runtime.CompilerServices;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// One X509Name instance per distinct DER encoding (equal encodings parse to equal names), with its text made once.
/// Issuer names are few (one per sub-CA), so the bound is generous.
/// </summary>
internal static class InternedNames
{
    private static readonly BoundedCache<byte[], (X509Name Name, StrongBox<string?> Text, byte[] Der)> Names = new(4096, ByteArrayComparer.Instance);

    /// <summary>The interned name of a DER Name slice: looked up by its bytes, parsed only on a miss.</summary>
    public static (X509Name Name, StrongBox<string?> Text, byte[] Der) Get(ReadOnlySpan<byte> der)
    {
        var key = der.ToArray();
        return Names.TryGetValue(key, out var hit) ? hit : Names.Add(key, (X509Name.GetInstance(Asn1Object.FromByteArray(key)), new StrongBox<string?>(), key));
    }

    public static (X509Name Name, StrongBox<string?> Text, byte[] Der) Get(X509Name name)
    {
        var der = name.GetEncoded(Asn1Encodable.Der);
        return Names.TryGetValue(der, out var hit) ? hit : Names.Add(der, (name, new StrongBox<string?>(), der));
    }

    internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(byte[] obj)
        {
            var h = new HashCode();
            h.AddBytes(obj);
            return h.ToHashCode();
        }
    }
}

/// <summary>
/// One AlgorithmIdentifier instance per distinct DER encoding: all certificates and signatures of a deployment share a
/// handful, so the fast parsers do not build one per certificate.
/// </summary>
internal static class AlgorithmIdentifiers
{
    private static readonly BoundedCache<byte[], AlgorithmIdentifier> Items = new(1024, InternedNames.ByteArrayComparer.Instance);

    public static AlgorithmIdentifier Get(ReadOnlySpan<byte> der)
    {
        var key = der.ToArray();
        return Items.TryGetValue(key, out var hit) ? hit : Items.Add(key, AlgorithmIdentifier.GetInstance(Asn1Object.FromByteArray(key)));
    }
}

