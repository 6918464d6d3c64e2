using System.Formats.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

/// <summary>
/// The first ESSCertID(v2) of a signing-certificate(-v2) attribute: from the fast reader (<see cref="FastIssuerSerialMatch"/>
/// true when its IssuerSerial was found to name the signer), or from BouncyCastle (<see cref="BcIssuerSerial"/>, judged
/// by <see cref="SigningCertificateIdentification"/>).
/// </summary>
internal readonly record struct EssCertId(string HashOid, byte[] Hash, IssuerSerial? BcIssuerSerial, bool FastIssuerSerialMatch)
{
    internal const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    internal const string Sha1Oid = "1.3.14.3.2.26";
    private static readonly Asn1Tag DirectoryNameTag = new(TagClass.ContextSpecific, 4, true);

    /// <summary>
    /// SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies SEQUENCE OF PolicyInformation
    /// OPTIONAL }, ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256 (v2 only), certHash
    /// OCTET STRING, issuerSerial IssuerSerial OPTIONAL }, IssuerSerial ::= SEQUENCE { issuer GeneralNames,
    /// serialNumber INTEGER }. Taken only in a shape whose BouncyCastle decode cannot fail and whose answer is known
    /// without it: exactly one ESSCertID; no IssuerSerial, or one with a single directoryName byte-equal to the
    /// signer's issuer, no issuerUID, and the signer's serial. Null for anything else (the caller decodes with
    /// BouncyCastle, which also words mismatches).
    /// </summary>
    public static EssCertId? TryRead(ReadOnlyMemory<byte> value, bool v2, ParsedCertificate signer)
    {
        try
        {
            var top = DerCheck.Reader(value);
            var sc = top.ReadSequence();
            top.ThrowIfNotEmpty();
            var certs = sc.ReadSequence();
            if (sc.HasData)
            {
                if (!sc.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                    return null;
                sc.ReadEncodedValue(); // policies: not judged (BouncyCastle only checks that it is a SEQUENCE)
            }
            sc.ThrowIfNotEmpty();
            var essId = certs.ReadSequence();
            if (certs.HasData)
                return null; // BouncyCastle decodes every ESSCertID (and may reject a later one)
            var hashOid = v2 ? Sha256Oid : Sha1Oid;
            if (v2 && essId.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var alg = essId.ReadSequence();
                hashOid = alg.ReadObjectIdentifier();
                if (alg.HasData)
                    alg.ReadEncodedValue(); // parameters: not judged
                alg.ThrowIfNotEmpty();
            }
            var hash = essId.ReadOctetString();
            if (!essId.HasData)
                return new EssCertId(hashOid, hash, null, false);
            var issuerSerial = essId.ReadSequence();
            essId.ThrowIfNotEmpty();
            var names = issuerSerial.ReadSequence();
            var serial = issuerSerial.ReadIntegerBytes();
            if (issuerSerial.HasData)
                return null; // issuerUID
            var directoryName = names.ReadSequence(DirectoryNameTag);
            if (names.HasData)
                return null;
            var name = directoryName.ReadEncodedValue();
            directoryName.ThrowIfNotEmpty();
            // Byte-equal DER names are the same name, and the serial is compared as an INTEGER value (DER: minimal
            // two's complement, so equal values have equal bytes). Anything different: BouncyCastle decides and words it.
            if (!name.Span.SequenceEqual(signer.IssuerDer)
                || !new Org.BouncyCastle.Math.BigInteger(serial.ToArray()).Equals(signer.Serial))
                return null;
            return new EssCertId(hashOid, hash, null, true);
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
