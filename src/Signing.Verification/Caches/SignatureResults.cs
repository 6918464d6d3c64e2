namespace Signing.Verification;

/// <summary>
/// Results of signature checks on certificates and CRLs, by what was signed, who signed it and the algorithm policy:
/// every leaf of a sub-CA repeats the same CA and CRL checks.
/// </summary>
internal static class SignatureResults
{
    // Tuple keys of strings the certificates already hold: a key made by concatenation would be a new string kept
    // alive per cached entry, and every never-seen leaf adds entries.
    private static readonly BoundedCache<(string Kind, string Subject, string Signer, bool Inherited, string Policy), (SignatureCheck Result, string Detail)> Cache = new(2 * CacheBounds.SignerWorkingSet);

    /// <summary>The signature of <paramref name="cert"/> under <paramref name="key"/> (the issuer's, DSA parameters possibly inherited).</summary>
    public static (SignatureCheck, string) CheckCertificate(ParsedCertificate cert, PublicKeyHandle key,
        ParsedCertificate issuer, AlgorithmPolicy policy)
    {
        var inherited = !ReferenceEquals(key, issuer.Key);
        var cacheKey = ("cert", cert.Sha256, issuer.Sha256, inherited, policy.Describe());
        if (Cache.TryGetValue(cacheKey, out var hit))
            return hit;
        var result = SignatureVerifier.Verify(cert.SignatureAlgorithm, cert.TbsDer, cert.SignatureValue, key, policy, out var detail);
        Cache.Add(cacheKey, (result, detail));
        return (result, detail);
    }

    /// <summary>The signature of <paramref name="crl"/> under <paramref name="key"/>, the key of the certificate <paramref name="signerId"/>.</summary>
    public static (SignatureCheck, string) CheckCrl(ParsedCrl crl, PublicKeyHandle key, string signerId, AlgorithmPolicy policy)
    {
        var cacheKey = ("crl", crl.Sha256, signerId, false, policy.Describe());
        if (Cache.TryGetValue(cacheKey, out var hit))
            return hit;
        var result = SignatureVerifier.Verify(crl.SignatureAlgorithm, crl.TbsDer, crl.SignatureValue, key, policy, out var detail);
        Cache.Add(cacheKey, (result, detail));
        return (result, detail);
    }

    /// <summary>The signature of an OCSP response under <paramref name="key"/>, the key of the certificate <paramref name="signerId"/>.</summary>
    public static (SignatureCheck, string) CheckOcsp(ParsedOcspResponse response, PublicKeyHandle key, string signerId, AlgorithmPolicy policy)
    {
        var cacheKey = ("ocsp", response.Sha256, signerId, false, policy.Describe());
        if (Cache.TryGetValue(cacheKey, out var hit))
            return hit;
        var result = SignatureVerifier.Verify(response.SignatureAlgorithm!, response.TbsDer!, response.SignatureValue!, key, policy, out var detail);
        Cache.Add(cacheKey, (result, detail));
        return (result, detail);
    }
}
