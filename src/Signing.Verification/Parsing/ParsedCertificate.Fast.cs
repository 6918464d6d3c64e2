using System.Formats.Asn1;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Signing.Verification;

public sealed partial class ParsedCertificate
{
    /// <summary>
    /// The fast reader: Certificate → TBSCertificate walked with <see cref="AsnReader"/> over the DER, slicing instead of
    /// re-encoding, BouncyCastle objects made only from small slices. It takes only what BouncyCastle's full parse reads
    /// with the same result (canonical DER, v3, no unique IDs, no duplicate or empty extensions, …) and answers false
    /// for anything else ("use the full parser"), which <see cref="Parse"/> then makes.
    /// </summary>
    /// <param name="knownDer">The caller has already checked <see cref="Der"/> with <see cref="DerCheck"/> (e.g. as part of
    /// a CMS), so it is not walked again.</param>
    private bool TryReadFast(bool knownDer)
    {
        if (!knownDer && !DerCheck.IsDer(Der))
            return false;
        try
        {
            return ReadFast();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Malformed for the fast reader: the full parser gives its own reading or rejection.
            return false;
        }
    }

    private bool ReadFast()
    {
        var der = Der;
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var cert = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var tbs = cert.ReadSequence();
        var outerAlgorithm = cert.ReadEncodedValue();
        // DER: the pad bits are zero, so these are BouncyCastle's GetBytes().
        SignatureValue = cert.ReadBitString(out _);
        cert.ThrowIfNotEmpty();

        // Version v3 only: v1/v2 (and their rules about what may follow) are left to BouncyCastle.
        var version = tbs.ReadSequence(VersionTag);
        if (!version.TryReadInt32(out var v) || v != 2)
            return false;
        version.ThrowIfNotEmpty();
        Version = 3;
        Serial = new Org.BouncyCastle.Math.BigInteger(tbs.ReadIntegerBytes().ToArray());
        var tbsAlgorithm = tbs.ReadEncodedValue();
        var issuer = tbs.ReadEncodedValue();
        var validity = tbs.ReadSequence();
        if (!TryReadTime(validity, out var notBefore) || !TryReadTime(validity, out var notAfter))
            return false;
        NotBefore = notBefore;
        NotAfter = notAfter;
        validity.ThrowIfNotEmpty();
        var subject = tbs.ReadEncodedValue();
        var spki = tbs.ReadEncodedValue();
        AsnReader? extensions = null;
        if (tbs.HasData)
        {
            var wrapper = tbs.ReadSequence(ExtensionsTag);
            extensions = wrapper.ReadSequence();
            wrapper.ThrowIfNotEmpty();
            if (!extensions.HasData)
                return false;
        }
        tbs.ThrowIfNotEmpty(); // issuer/subject unique IDs: BouncyCastle

        SignatureAlgorithm = AlgorithmIdentifiers.Get(outerAlgorithm.Span);
        _ = AlgorithmIdentifiers.Get(tbsAlgorithm.Span); // must parse, as in the full parse
        // Both DER: equal encodings ⇔ equal ASN.1 values (BouncyCastle's Equals).
        SignatureAlgorithmsMatch = outerAlgorithm.Span.SequenceEqual(tbsAlgorithm.Span);
        (Issuer, issuerText, IssuerDer) = InternedNames.Get(issuer.Span);
        if (Issuer.GetOidList().Count == 0)
            return false;
        Subject = X509Name.GetInstance(Asn1Object.FromByteArray(subject.ToArray()));
        spkiDer = spki.ToArray();
        // What SubjectPublicKeyInfo.GetInstance requires (so the full parse's rejection of anything else stays): a SEQUENCE of
        // an AlgorithmIdentifier (BouncyCastle's parse of it, shared by every key of the kind) and a BIT STRING.
        var keyInfo = new AsnReader(spkiDer, AsnEncodingRules.DER);
        var keyInfoSeq = keyInfo.ReadSequence();
        keyInfo.ThrowIfNotEmpty();
        _ = AlgorithmIdentifiers.Get(keyInfoSeq.ReadEncodedValue().Span);
        keyInfoSeq.ReadBitString(out _);
        keyInfoSeq.ThrowIfNotEmpty();
        IsSelfIssued = subject.Span.SequenceEqual(issuer.Span) || Subject.Equivalent(Issuer, true);

        var list = new List<(string, bool)>();
        while (extensions is { HasData: true })
        {
            var e = extensions.ReadSequence();
            var oid = e.ReadObjectIdentifier();
            var critical = false;
            if (e.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
            {
                critical = e.ReadBoolean();
                if (!critical)
                    return false; // DEFAULT FALSE spelled out
            }
            var value = e.ReadOctetString();
            e.ThrowIfNotEmpty();
            foreach (var (seen, _) in list)
            {
                if (seen == oid)
                    return false;
            }
            list.Add((oid, critical));
            var simple = ApplySimpleExtension(oid, critical, value);
            if (simple == SimpleExtension.UseFullParser)
                return false;
            if (simple == SimpleExtension.NotSimple)
                ApplyExtension(oid, critical, Asn1Object.FromByteArray(value));
        }
        Extensions = list;
        ProfileViolation = CertificateLint.Check(this);
        var keyDer = spkiDer;
        key = new Lazy<PublicKeyHandle>(() => PublicKeyHandle.Shared(keyDer, () => PublicKeyInfo), LazyThreadSafetyMode.ExecutionAndPublication);
        return true;
    }

    private static readonly Asn1Tag VersionTag = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 3, true);
    private static readonly Asn1Tag KeyIdTag = new(TagClass.ContextSpecific, 0);

    private static bool TryReadTime(AsnReader reader, out DateTime time)
    {
        var whole = DerCheck.TryReadWholeSecondTime(reader, out var t);
        time = t.UtcDateTime;
        return whole;
    }

    private enum SimpleExtension { Applied, NotSimple, UseFullParser }

    /// <summary>
    /// The extensions every leaf carries, decoded with AsnReader; NotSimple for the others (BouncyCastle decodes them),
    /// UseFullParser for a shape whose reading is BouncyCastle's to give.
    /// </summary>
    private SimpleExtension ApplySimpleExtension(string oid, bool critical, byte[] value)
    {
        var outer = new AsnReader(value, AsnEncodingRules.DER);
        switch (oid)
        {
            case "2.5.29.19":
            {
                var seq = outer.ReadSequence();
                outer.ThrowIfNotEmpty();
                var ca = false;
                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                {
                    ca = seq.ReadBoolean();
                    if (!ca)
                        return SimpleExtension.UseFullParser;
                }
                int? pathLen = null;
                if (seq.HasData)
                {
                    if (!ca || !seq.TryReadInt32(out var p) || p < 0)
                        return SimpleExtension.UseFullParser;
                    pathLen = p;
                }
                seq.ThrowIfNotEmpty();
                HasBasicConstraints = true;
                BasicConstraintsCritical = critical;
                IsCa = ca;
                PathLenConstraint = pathLen;
                return SimpleExtension.Applied;
            }
            case "2.5.29.15":
            {
                // BouncyCastle's DerBitString.IntValue: the first four octets, least significant first.
                var bits = outer.ReadBitString(out _);
                outer.ThrowIfNotEmpty();
                var ku = 0;
                for (var i = 0; i < Math.Min(4, bits.Length); i++)
                    ku |= bits[i] << (8 * i);
                KeyUsageBits = ku;
                return SimpleExtension.Applied;
            }
            case "2.5.29.14":
                SubjectKeyId = outer.ReadOctetString();
                outer.ThrowIfNotEmpty();
                return SimpleExtension.Applied;
            case "2.5.29.35":
            {
                var seq = outer.ReadSequence();
                outer.ThrowIfNotEmpty();
                byte[]? keyId = null;
                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(KeyIdTag))
                    keyId = seq.ReadOctetString(KeyIdTag);
                if (seq.HasData)
                    return SimpleExtension.NotSimple; // authorityCertIssuer/serial: BouncyCastle parses (and judges) them
                HasAuthorityKeyId = true;
                AuthorityKeyId = keyId;
                return SimpleExtension.Applied;
            }
            default:
                return SimpleExtension.NotSimple;
        }
    }

}
