using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace Signing.Tokens;

/// <summary>Token flags a person needs to see (PKCS#11 CKF_* of CK_TOKEN_INFO).</summary>
public sealed record TokenFlags(
    bool LoginRequired,
    bool UserPinInitialized,
    bool UserPinCountLow,
    bool UserPinFinalTry,
    bool UserPinLocked,
    bool UserPinToBeChanged,
    bool ProtectedAuthenticationPath,
    bool TokenInitialized)
{
    public PinTries PinTries => new(UserPinCountLow, UserPinFinalTry, UserPinLocked);
}

/// <summary>A slot and, when one is present, its token.</summary>
public sealed record TokenSlot(
    ulong SlotId,
    string SlotDescription,
    bool TokenPresent,
    string? Label,
    string? SerialNumber,
    string? Manufacturer,
    string? Model,
    TokenFlags? Flags);

public enum KeyAlgorithm { Rsa, Ec }

/// <summary>
/// A certificate on a token with what is known of its key pair, matched by CKA_ID.
/// <see cref="HasPrivateKey"/> is null when the listing was made without logging in (private keys are private objects).
/// </summary>
public sealed record TokenCertificate(
    string Label,
    byte[] Id,
    X509Certificate Certificate,
    bool HasPublicKey,
    bool? HasPrivateKey)
{
    public string IdHex => Convert.ToHexString(Id).ToLowerInvariant();

    public KeyAlgorithm KeyAlgorithm => Certificate.GetPublicKey() is RsaKeyParameters ? KeyAlgorithm.Rsa : KeyAlgorithm.Ec;

    /// <summary>"RSA-2048", "EC P-256".</summary>
    public string KeyDescription => DescribeKey(Certificate);

    /// <summary>keyUsage nonRepudiation (contentCommitment): the mark of a qualified signing certificate.</summary>
    public bool NonRepudiation => Certificate.GetKeyUsage() is { Length: > 1 } ku && ku[1];

    public string Subject => Certificate.SubjectDN.ToString();

    public DateTime NotAfterUtc => Certificate.NotAfter.ToUniversalTime();

    internal static string DescribeKey(X509Certificate certificate)
    {
        switch (certificate.GetPublicKey())
        {
            case RsaKeyParameters rsa:
                return $"RSA-{rsa.Modulus.BitLength}";
            case ECPublicKeyParameters ec:
                var oid = ec.PublicKeyParamSet
                          ?? (certificate.SubjectPublicKeyInfo.Algorithm.Parameters as Org.BouncyCastle.Asn1.DerObjectIdentifier);
                var name = oid is null ? null : NistNamedCurves.GetName(oid) ?? X962NamedCurves.GetName(oid);
                return name is null ? $"EC-{ec.Parameters.Curve.FieldSize}" : $"EC {name}";
            default:
                return certificate.SubjectPublicKeyInfo.Algorithm.Algorithm.Id;
        }
    }
}
