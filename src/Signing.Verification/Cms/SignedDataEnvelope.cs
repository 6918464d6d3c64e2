using System.Formats.Asn1;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.X509;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;

namespace Signing.Verification;

/// <summary>The envelope of a CMS, or the structural failure that stops the verification.</summary>
internal readonly record struct EnvelopeRead(SignedDataEnvelope? Envelope, CmsFailure? Failure);

/// <summary>
/// The parts of a one-signer SignedData that the verification reads. One parser decides, once: the usual shape is read
/// with AsnReader (<see cref="TryReadFast"/>, slices of the input, nothing copied), anything
/// else with BouncyCastle's full parse (<see cref="FromBouncyCastle"/>), which gives such input its own verdicts and
/// messages.
/// </summary>
internal sealed class SignedDataEnvelope
{
    private const string SignedDataOid = "1.2.840.113549.1.7.2";

    public required string EContentType { get; init; }
    /// <summary>Fast reader: the encapsulated content, a slice of the input.</summary>
    private ReadOnlyMemory<byte>? canonicalContent;
    /// <summary>Full parser: the eContent, decoded in <see cref="ReadAttached"/> so that its failures are "malformed CMS".</summary>
    private Asn1Encodable? bcContent;
    /// <summary>Fast reader: the certificate choices that are certificates (tagged choices skipped), DER slices of the input.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? CertificateElements { get; private init; }
    public Asn1Set? BcCertificates { get; private init; }
    public byte[]? SidKeyId { get; private init; }
    public X509Name? SidIssuer { get; private init; }
    public byte[]? SidIssuerDer { get; private init; }
    public Org.BouncyCastle.Math.BigInteger? SidSerial { get; private init; }
    public required AlgorithmIdentifier DigestAlgorithm { get; init; }
    /// <summary>The DER SET OF the signed attributes (what the signature covers), or null when absent.</summary>
    public byte[]? SignedAttrs { get; private init; }
    public required AlgorithmIdentifier SignatureAlgorithm { get; init; }
    public required byte[] Signature { get; init; }
    /// <summary>The DER SET OF the unsigned attributes (signature timestamps live there), or null when absent.</summary>
    public byte[]? UnsignedAttrs { get; private init; }

    /// <summary>The attached content, or null for a detached signature.</summary>
    public ReadOnlyMemory<byte>? ReadAttached()
    {
        if (canonicalContent is not null)
            return canonicalContent;
        if (bcContent is null)
            return null; // detached
        return Asn1OctetString.GetInstance(bcContent).GetOctets();
    }

    /// <summary>The envelope of a DER or PEM ("CMS"/"PKCS7") SignedData with exactly one signer; never throws.</summary>
    public static EnvelopeRead Read(byte[] cms)
    {
        try
        {
            var der = Pem.ToDer(cms, "CMS") is var d && d == cms ? Pem.ToDer(cms, "PKCS7") : d;
            if (TryReadFast(der) is { } fast)
                return new EnvelopeRead(fast, null);
            var ci = ContentInfo.GetInstance(Asn1Object.FromByteArray(der));
            if (ci.ContentType.Id != SignedDataOid)
                return Failed("cms.structure", $"not a SignedData (content type {ci.ContentType.Id})");
            var sd = SignedData.GetInstance(ci.Content);
            if (sd.SignerInfos.Count != 1)
                return Failed("cms.single-signer", $"exactly one signer is required, found {sd.SignerInfos.Count}");
            return new EnvelopeRead(FromBouncyCastle(sd, SignerInfo.GetInstance(sd.SignerInfos[0])), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failed("cms.structure", "not a parsable CMS SignedData: " + e.Message);
        }
    }

    private static EnvelopeRead Failed(string check, string reason) =>
        new(null, new CmsFailure(SubIndication.FormatFailure, check, reason));

    private static readonly Asn1Tag Explicit0 = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag Implicit0 = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag Implicit1 = new(TagClass.ContextSpecific, 1, true);
    private static readonly Asn1Tag KeyIdTag = new(TagClass.ContextSpecific, 0);

    /// <summary>
    /// The envelope in the usual shape, read with AsnReader; null when the fast reader cannot read it, which is then the
    /// full parser's to judge. The wrappers (ContentInfo, SignedData, the encapsulated content, the certificate set) may
    /// be BER, as BouncyCastle's and most signers' generators write them (indefinite lengths); what the verification
    /// takes bytes from must be canonical DER, because BouncyCastle's reading of it is then those very bytes: each
    /// certificate, the SignerInfo (signer identifier, signed attributes), and a primitive content OCTET STRING. Declined:
    /// a chunked (constructed) content, other content types, several signers, unusual field order or choices, unsorted
    /// signed attributes, anything malformed.
    /// </summary>
    public static SignedDataEnvelope? TryReadFast(byte[] der)
    {
        try
        {
            return ReadFast(der);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Malformed for the fast reader: the full parser words the rejection (or reads what the fast reader does not).
            return null;
        }
    }

    private static SignedDataEnvelope? ReadFast(byte[] encoded)
    {
        var top = new AsnReader(encoded, AsnEncodingRules.BER);
        var ci = top.ReadSequence();
        top.ThrowIfNotEmpty();
        if (ci.ReadObjectIdentifier() != SignedDataOid)
            return null;
        var wrapper = ci.ReadSequence(Explicit0);
        ci.ThrowIfNotEmpty();
        var sd = wrapper.ReadSequence();
        wrapper.ThrowIfNotEmpty();

        sd.ReadIntegerBytes(); // version: not judged
        var digestAlgorithms = sd.ReadSetOf(skipSortOrderValidation: true);
        while (digestAlgorithms.HasData)
            _ = AlgorithmIdentifiers.Get(digestAlgorithms.ReadEncodedValue().Span);
        var encap = sd.ReadSequence();
        var eContentType = encap.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? attached = null;
        if (encap.HasData)
        {
            var ec = encap.ReadSequence(Explicit0);
            // A primitive OCTET STRING: its contents are a slice of the input (hashed from there, never copied).
            if (!ec.TryReadPrimitiveOctetString(out var contentSlice))
                return null;
            attached = contentSlice;
            ec.ThrowIfNotEmpty();
        }
        encap.ThrowIfNotEmpty();

        List<ReadOnlyMemory<byte>>? certificates = null;
        if (sd.HasData && sd.PeekTag().HasSameClassAndValue(Implicit0))
        {
            var set = sd.ReadSetOf(skipSortOrderValidation: true, Implicit0);
            certificates = [];
            while (set.HasData)
            {
                var tag = set.PeekTag();
                var element = set.ReadEncodedValue();
                if (tag.TagClass != TagClass.Universal)
                    continue; // tagged choices (attribute certificates, other) are no signer candidates
                if (!DerCheck.IsDer(element))
                    return null;
                certificates.Add(element);
            }
        }
        if (sd.HasData && sd.PeekTag().HasSameClassAndValue(Implicit1))
            sd.ReadEncodedValue(); // CRLs: not used (revocation data is configured)
        var signerInfos = sd.ReadSetOf(skipSortOrderValidation: true);
        sd.ThrowIfNotEmpty();
        var signerInfo = signerInfos.ReadEncodedValue();
        if (signerInfos.HasData)
            return null; // several signers: the full parser words that verdict
        if (!DerCheck.IsDer(signerInfo))
            return null;
        var siReader = DerCheck.Reader(signerInfo);
        var si = siReader.ReadSequence();
        siReader.ThrowIfNotEmpty();

        si.ReadIntegerBytes(); // version: not judged
        byte[]? keyId = null, issuerDer = null;
        X509Name? issuer = null;
        Org.BouncyCastle.Math.BigInteger? serial = null;
        if (si.PeekTag().HasSameClassAndValue(KeyIdTag))
        {
            keyId = si.ReadOctetString(KeyIdTag);
        }
        else
        {
            var ias = si.ReadSequence();
            // Every submission names the same few issuers: parsed once, then found by their bytes.
            (issuer, _, issuerDer) = InternedNames.Get(ias.ReadEncodedValue().Span);
            serial = new Org.BouncyCastle.Math.BigInteger(ias.ReadIntegerBytes().ToArray());
            ias.ThrowIfNotEmpty();
        }
        var digestAlgorithm = AlgorithmIdentifiers.Get(si.ReadEncodedValue().Span);
        byte[]? signedAttrs = null;
        if (si.PeekTag().HasSameClassAndValue(Implicit0))
        {
            signedAttrs = si.PeekEncodedValue().ToArray();
            // DER of a SET OF is sorted; unsorted input is left to BouncyCastle, which re-encodes it.
            si.ReadSetOf(Implicit0);
            // The signature covers the DER SET OF, i.e. these bytes with the universal SET tag.
            signedAttrs[0] = 0x31;
        }
        var signatureAlgorithm = AlgorithmIdentifiers.Get(si.ReadEncodedValue().Span);
        var signature = si.ReadOctetString();
        byte[]? unsignedAttrs = null;
        if (si.HasData && si.PeekTag().HasSameClassAndValue(Implicit1))
        {
            unsignedAttrs = si.ReadEncodedValue().ToArray();
            unsignedAttrs[0] = 0x31; // [1] IMPLICIT SET OF read as the SET OF it is
        }
        si.ThrowIfNotEmpty();

        return new SignedDataEnvelope
        {
            EContentType = eContentType,
            canonicalContent = attached,
            CertificateElements = certificates,
            SidKeyId = keyId, SidIssuer = issuer, SidIssuerDer = issuerDer, SidSerial = serial,
            DigestAlgorithm = digestAlgorithm,
            SignedAttrs = signedAttrs,
            SignatureAlgorithm = signatureAlgorithm,
            Signature = signature,
            UnsignedAttrs = unsignedAttrs,
        };
    }

    /// <summary>The envelope as BouncyCastle's full parse read it (input the fast reader leaves alone).</summary>
    public static SignedDataEnvelope FromBouncyCastle(SignedData sd, SignerInfo si)
    {
        byte[]? keyId = null, issuerDer = null;
        X509Name? issuer = null;
        Org.BouncyCastle.Math.BigInteger? serial = null;
        if (si.SignerID.IsTagged)
        {
            keyId = Asn1OctetString.GetInstance(Asn1TaggedObject.GetInstance(si.SignerID.ToAsn1Object()), false).GetOctets();
        }
        else
        {
            var ias = IssuerAndSerialNumber.GetInstance(si.SignerID.ID);
            issuer = ias.Issuer;
            issuerDer = issuer.GetEncoded(Asn1Encodable.Der);
            serial = ias.SerialNumber.Value;
        }
        return new SignedDataEnvelope
        {
            EContentType = sd.EncapContentInfo.ContentType.Id,
            bcContent = sd.EncapContentInfo.Content,
            BcCertificates = sd.Certificates,
            SidKeyId = keyId, SidIssuer = issuer, SidIssuerDer = issuerDer, SidSerial = serial,
            DigestAlgorithm = si.DigestAlgorithm,
            // Empty is "no signed attributes"; the signature is over the DER re-encoding.
            SignedAttrs = si.SignedAttrs is { Count: > 0 } attrs ? attrs.GetEncoded(Asn1Encodable.Der) : null,
            SignatureAlgorithm = si.SignatureAlgorithm,
            Signature = si.Signature.GetOctets(),
            UnsignedAttrs = si.UnsignedAttrs is { Count: > 0 } unsigned ? unsigned.GetEncoded(Asn1Encodable.Der) : null,
        };
    }
}
