using System.Security.Cryptography;

namespace Signing.Verification;

/// <summary>
/// Parsed objects keyed by SHA-256 of their DER, so each certificate or CRL is parsed once per process
/// (BouncyCastle's RSA key check makes a parse cost milliseconds). Bounded crudely: when full it is cleared,
/// since a directorate's working set is far below the bound.
/// </summary>
internal sealed class DerCache<T>(int capacity, string pemLabel, string what, Func<byte[], string, T> parse) where T : class
{
    private readonly BoundedCache<string, T> _items = new(capacity);

    /// <summary>The cached parse of a DER or PEM object. Throws FormatException on garbage.</summary>
    public T Get(byte[] derOrPem)
    {
        var der = Pem.ToDer(derOrPem, pemLabel);
        return Get(der, hash => parse(der, hash));
    }

    /// <summary>The cached object for DER bytes, made by <paramref name="make"/> (given the hash) on a miss.</summary>
    public T Get(ReadOnlySpan<byte> der, Func<string, T> make)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(der));
        if (_items.TryGetValue(hash, out var cached))
            return cached;
        T parsed;
        try
        {
            parsed = make(hash);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FormatException($"not a parsable {what}: " + e.Message, e);
        }
        return _items.Add(hash, parsed);
    }
}
