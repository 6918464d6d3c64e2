using System.Collections.Concurrent;
using System.Formats.Asn1;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcX509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Verification;

/// <summary>
/// A certificate parsed once, with its extensions decoded and its public key imported into .NET.
/// Instances are immutable and shared between threads; get them from <see cref="ParsedCertificate.From(byte[])"/>,
/// which caches by SHA-256 of the DER (BouncyCastle's RSA key check costs milliseconds per parse).
/// Canonical DER v3 certificates (every new leaf under load) are read with AsnReader, BouncyCastle objects made only from
/// small slices; anything else takes BouncyCastle's full parse, as before (see the two constructors).
/// </summary>
public sealed class ParsedCertificate
{
    private static readonly DerCache<ParsedCertificate> Cache = new(CacheBounds.SignerWorkingSet, "CERTIFICATE", "X.509 certificate", Parse);

    public byte[] Der { get; }
    public string Sha256 { get; }
    /// <summary>
    /// BouncyCastle's view of the certificate. Made again from <see cref="Der"/> on first use and not kept by the
    /// constructor: cached certificates would otherwise keep the whole parsed ASN.1 tree alive (GC cost per new leaf).
    /// </summary>
    public BcX509Certificate Certificate => certificate ??= new BcX509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(Der)));
    private BcX509Certificate? certificate;
    public X509Name Subject { get; }
    public X509Name Issuer { get; }
    /// <summary>The DER of <see cref="Issuer"/> (shared with every certificate of the same issuer): compared before names are.</summary>
    internal byte[] IssuerDer { get; }
    public DateTime NotBefore { get; }
    public DateTime NotAfter { get; }
    public Org.BouncyCastle.Math.BigInteger Serial { get; }
    public int Version { get; }
    /// <summary>The raw TBS bytes and outer signature, for signature checks.</summary>
    /// <remarks>Sliced from <see cref="Der"/> on use when that is canonical DER (signature results are cached, so this is
    /// rare), rather than kept: every cached certificate would hold a second copy of itself.</remarks>
    internal byte[] TbsDer => tbsDer ?? FirstElement(Der);
    private readonly byte[]? tbsDer;
    internal byte[] SignatureValue { get; }
    internal AlgorithmIdentifier SignatureAlgorithm { get; }
    internal bool SignatureAlgorithmsMatch { get; }
    /// <summary>BouncyCastle's view of the public key. The fast parse makes it on first use only (nothing on a new leaf's
    /// path reads it: the key handle is read from the DER).</summary>
    public SubjectPublicKeyInfo PublicKeyInfo => publicKeyInfo ??= SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spkiDer!));
    private SubjectPublicKeyInfo? publicKeyInfo;
    private readonly byte[]? spkiDer;

    public bool HasBasicConstraints { get; private set; }
    public bool BasicConstraintsCritical { get; private set; }
    public bool IsCa { get; private set; }
    public int? PathLenConstraint { get; private set; }
    /// <summary>KeyUsage bits as BouncyCastle's KeyUsage constants, or null when the extension is absent.</summary>
    public int? KeyUsageBits { get; private set; }
    public byte[]? SubjectKeyId { get; private set; }
    public byte[]? AuthorityKeyId { get; private set; }
    public bool HasAuthorityKeyId { get; private set; }
    public CertificatePolicies? Policies { get; private set; }
    public Asn1Sequence? PolicyMappings { get; private set; }
    /// <summary>policyConstraints: requireExplicitPolicy and inhibitPolicyMapping skip counts.</summary>
    public (int? RequireExplicitPolicy, int? InhibitPolicyMapping)? PolicyConstraints { get; private set; }
    public int? InhibitAnyPolicySkipCerts { get; private set; }
    public NameConstraints? NameConstraints { get; private set; }
    public GeneralNames? SubjectAltNames { get; private set; }
    public CrlDistPoint? CrlDistributionPoints { get; private set; }
    public Asn1Sequence? QcStatements { get; private set; }
    public IReadOnlyList<(string Oid, bool Critical)> Extensions { get; }
    /// <summary>Non-null when the certificate violates a structural rule of RFC 5280 (see <see cref="CertificateLint"/>).</summary>
    public string? ProfileViolation { get; }
    public bool IsSelfIssued { get; }

    private readonly Lazy<PublicKeyHandle> key;
    internal PublicKeyHandle Key => key.Value;

    /// <param name="structure">The already-parsed certificate when <paramref name="der"/> is known to be its DER encoding
    /// (made by BouncyCastle's DER encoder); null to parse <paramref name="der"/> here.</param>
    private ParsedCertificate(byte[] der, string sha256, X509CertificateStructure? structure)
    {
        Der = der;
        Sha256 = sha256;
        var canonical = structure is not null;
        structure ??= X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der));
        // Made (and dropped) here on purpose: its constructor rejects some malformed extensions, and that rejection is
        // part of the verdict ("not a parsable X.509 certificate").
        _ = new BcX509Certificate(structure);
        var tbs = structure.TbsCertificate;
        Subject = tbs.Subject;
        // Every leaf of a sub-CA carries the same issuer name: share one parsed instance (and its text) among them,
        // so the cached certificates do not each keep a copy alive.
        (Issuer, issuerText, IssuerDer) = InternedNames.Get(tbs.Issuer);
        NotBefore = tbs.StartDate.ToDateTime().ToUniversalTime();
        NotAfter = tbs.EndDate.ToDateTime().ToUniversalTime();
        Serial = tbs.SerialNumber.Value;
        Version = tbs.Version;
        // DER is compositional: in a DER certificate the TBS element is exactly the TBS's DER, so slice it instead of
        // encoding it again. Input of unknown encoding (BER, non-canonical DER) keeps the re-encoding, as before.
        tbsDer = canonical ? null : tbs.GetDerEncoded();
        // GetBytes, not GetOctets: a signature with pad bits is simply invalid, not a parse error.
        SignatureValue = structure.Signature.GetBytes();
        SignatureAlgorithm = structure.SignatureAlgorithm;
        SignatureAlgorithmsMatch = structure.SignatureAlgorithm.Equals(tbs.Signature);
        publicKeyInfo = tbs.SubjectPublicKeyInfo;
        IsSelfIssued = Subject.Equivalent(Issuer, true);

        var list = new List<(string, bool)>();
        var ext = tbs.Extensions;
        if (ext is not null)
        {
            foreach (var oid in ext.ExtensionOids)
            {
                var e = ext.GetExtension(oid);
                list.Add((oid.Id, e.IsCritical));
                ApplyExtension(oid.Id, e.IsCritical, e.GetParsedValue());
            }
        }
        Extensions = list;
        ProfileViolation = CertificateLint.Check(this);
        key = new Lazy<PublicKeyHandle>(() => PublicKeyHandle.Shared(PublicKeyInfo), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The fast parse: Certificate → TBSCertificate walked with <see cref="AsnReader"/> over the DER, slicing instead of
    /// re-encoding, BouncyCastle objects made only from small slices. It accepts only what the BouncyCastle parse
    /// accepts with the same result (canonical DER, v3, no unique IDs, no duplicate or empty extensions, …) and throws
    /// <see cref="UseBouncyCastle"/> (or any exception) otherwise; <see cref="Parse"/> then makes the old parse, which
    /// gives the old verdict (value or rejection) for the rare input.
    /// </summary>
    /// <param name="knownDer">The caller has already checked <paramref name="der"/> with <see cref="DerCheck"/> (e.g. as part of
    /// a DER CMS), so it is not walked again.</param>
    private ParsedCertificate(byte[] der, string sha256, bool knownDer = false)
    {
        Der = der;
        Sha256 = sha256;
        if (!knownDer && !DerCheck.IsDer(der))
            throw new UseBouncyCastle();
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
            throw new UseBouncyCastle();
        version.ThrowIfNotEmpty();
        Version = 3;
        Serial = new Org.BouncyCastle.Math.BigInteger(tbs.ReadIntegerBytes().ToArray());
        var tbsAlgorithm = tbs.ReadEncodedValue();
        var issuer = tbs.ReadEncodedValue();
        var validity = tbs.ReadSequence();
        NotBefore = ReadTime(validity);
        NotAfter = ReadTime(validity);
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
                throw new UseBouncyCastle();
        }
        tbs.ThrowIfNotEmpty(); // issuer/subject unique IDs: BouncyCastle

        SignatureAlgorithm = AlgorithmIdentifiers.Get(outerAlgorithm.Span);
        _ = AlgorithmIdentifiers.Get(tbsAlgorithm.Span); // must parse, as in the full parse
        // Both DER: equal encodings ⇔ equal ASN.1 values (BouncyCastle's Equals).
        SignatureAlgorithmsMatch = outerAlgorithm.Span.SequenceEqual(tbsAlgorithm.Span);
        (Issuer, issuerText, IssuerDer) = InternedNames.Get(issuer.Span);
        if (Issuer.GetOidList().Count == 0)
            throw new UseBouncyCastle();
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
                    throw new UseBouncyCastle(); // DEFAULT FALSE spelled out
            }
            var value = e.ReadOctetString();
            e.ThrowIfNotEmpty();
            foreach (var (seen, _) in list)
            {
                if (seen == oid)
                    throw new UseBouncyCastle();
            }
            list.Add((oid, critical));
            if (!ApplySimpleExtension(oid, critical, value))
                ApplyExtension(oid, critical, Asn1Object.FromByteArray(value));
        }
        Extensions = list;
        ProfileViolation = CertificateLint.Check(this);
        key = new Lazy<PublicKeyHandle>(() => PublicKeyHandle.Shared(spkiDer, () => PublicKeyInfo), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private static readonly Asn1Tag VersionTag = new(TagClass.ContextSpecific, 0, true);
    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 3, true);
    private static readonly Asn1Tag KeyIdTag = new(TagClass.ContextSpecific, 0);

    /// <summary>Thrown by the fast parse for input it leaves to BouncyCastle (never escapes <see cref="Parse"/>).</summary>
    private sealed class UseBouncyCastle : Exception;

    /// <summary>The fast parse when it applies, else BouncyCastle's full parse (which throws for what it rejects).</summary>
    internal static ParsedCertificate Parse(byte[] der, string sha256) => Parse(der, sha256, false);

    private static ParsedCertificate Parse(byte[] der, string sha256, bool knownDer)
    {
        try
        {
            return new ParsedCertificate(der, sha256, knownDer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new ParsedCertificate(der, sha256, null);
        }
    }

    /// <summary>For the agreement tests: the fast parse alone, null where it defers to BouncyCastle.</summary>
    internal static ParsedCertificate? ParseFastOnly(byte[] der)
    {
        try
        {
            return new ParsedCertificate(der, "");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>For the agreement tests: BouncyCastle's full parse alone.</summary>
    internal static ParsedCertificate ParseBouncyCastleOnly(byte[] der) => new(der, "", null);

    private static DateTime ReadTime(AsnReader reader) =>
        DerCheck.TryReadWholeSecondTime(reader, out var t) ? t.UtcDateTime : throw new UseBouncyCastle();

    /// <summary>The extensions every leaf carries, decoded with AsnReader; false for the others (BouncyCastle decodes them).</summary>
    private bool ApplySimpleExtension(string oid, bool critical, byte[] value)
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
                        throw new UseBouncyCastle();
                }
                int? pathLen = null;
                if (seq.HasData)
                {
                    if (!ca || !seq.TryReadInt32(out var p) || p < 0)
                        throw new UseBouncyCastle();
                    pathLen = p;
                }
                seq.ThrowIfNotEmpty();
                HasBasicConstraints = true;
                BasicConstraintsCritical = critical;
                IsCa = ca;
                PathLenConstraint = pathLen;
                return true;
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
                return true;
            }
            case "2.5.29.14":
                SubjectKeyId = outer.ReadOctetString();
                outer.ThrowIfNotEmpty();
                return true;
            case "2.5.29.35":
            {
                var seq = outer.ReadSequence();
                outer.ThrowIfNotEmpty();
                byte[]? keyId = null;
                if (seq.HasData && seq.PeekTag().HasSameClassAndValue(KeyIdTag))
                    keyId = seq.ReadOctetString(KeyIdTag);
                if (seq.HasData)
                    return false; // authorityCertIssuer/serial: BouncyCastle parses (and judges) them
                HasAuthorityKeyId = true;
                AuthorityKeyId = keyId;
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>One extension's value as BouncyCastle parsed it (the full parse, and the fast parse's rarer extensions).</summary>
    private void ApplyExtension(string oid, bool critical, Asn1Object value)
    {
        switch (oid)
        {
            case "2.5.29.19":
                var bc = BasicConstraints.GetInstance(value);
                HasBasicConstraints = true;
                BasicConstraintsCritical = critical;
                IsCa = bc.IsCA();
                if (bc.IsCA() && bc.PathLenConstraint is not null)
                    PathLenConstraint = bc.PathLenConstraint.IntValue;
                break;
            case "2.5.29.15":
                KeyUsageBits = KeyUsage.GetInstance(value).IntValue;
                break;
            case "2.5.29.14":
                SubjectKeyId = Asn1OctetString.GetInstance(value).GetOctets();
                break;
            case "2.5.29.35":
                HasAuthorityKeyId = true;
                AuthorityKeyId = AuthorityKeyIdentifier.GetInstance(value).KeyIdentifier?.GetOctets();
                break;
            case "2.5.29.32":
                Policies = CertificatePolicies.GetInstance(value);
                break;
            case "2.5.29.33":
                PolicyMappings = Asn1Sequence.GetInstance(value);
                break;
            case "2.5.29.36":
                int? require = null, inhibit = null;
                foreach (var item in Asn1Sequence.GetInstance(value))
                {
                    var tagged = Asn1TaggedObject.GetInstance(item);
                    var skip = DerInteger.GetInstance(tagged, false).IntValueExact;
                    if (tagged.TagNo == 0) require = skip;
                    else if (tagged.TagNo == 1) inhibit = skip;
                }
                PolicyConstraints = (require, inhibit);
                break;
            case "2.5.29.54":
                InhibitAnyPolicySkipCerts = DerInteger.GetInstance(value).IntValueExact;
                break;
            case "2.5.29.30":
                NameConstraints = NameConstraints.GetInstance(value);
                break;
            case "2.5.29.17":
                SubjectAltNames = GeneralNames.GetInstance(value);
                break;
            case "2.5.29.31":
                CrlDistributionPoints = CrlDistPoint.GetInstance(value);
                break;
            case "1.3.6.1.5.5.7.1.3":
                QcStatements = Asn1Sequence.GetInstance(value);
                break;
        }
    }

    public bool HasKeyUsage(int bit) => KeyUsageBits is null || (KeyUsageBits.Value & bit) != 0;

    /// <summary>Parses (or returns the cached parse of) a DER or PEM certificate. Throws FormatException on garbage.</summary>
    public static ParsedCertificate From(byte[] derOrPem) => Cache.Get(derOrPem);

    public static ParsedCertificate From(BcX509Certificate certificate) => From(certificate.GetEncoded());

    /// <summary>
    /// The certificate of an element of a CMS that <see cref="DerCheck"/> found to be canonical DER (so the element's bytes
    /// are its DER encoding, as the old re-encoding gave them): hashed and parsed from those bytes, not walked again.
    /// </summary>
    internal static ParsedCertificate FromCanonicalDer(byte[] der) => Cache.Get(der, hash => Parse(der, hash, true));

    /// <summary>
    /// The certificate of an already-parsed ASN.1 structure (e.g. from a CMS certificate set): encoded to DER once for
    /// the hash (cache key, <see cref="Der"/>), and on a cache miss built from the structure without parsing again.
    /// </summary>
    internal static ParsedCertificate From(Asn1Encodable parsed)
    {
        var der = parsed.GetEncoded(Asn1Encodable.Der);
        return Cache.Get(der, hash =>
        {
            try
            {
                return new ParsedCertificate(der, hash);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return new ParsedCertificate(der, hash, X509CertificateStructure.GetInstance(parsed));
            }
        });
    }

    /// <summary>The first element (tag, length and contents) inside the outer SEQUENCE of a DER encoding.</summary>
    private static byte[] FirstElement(byte[] der)
    {
        var outer = new System.Formats.Asn1.AsnReader(der, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        return outer.ReadEncodedValue().ToArray();
    }

    /// <summary>Like <see cref="From(byte[])"/> but returns null instead of throwing.</summary>
    public static ParsedCertificate? TryFrom(byte[] derOrPem)
    {
        try { return From(derOrPem); }
        catch (FormatException) { return null; }
    }

    /// <summary>All certificates of a PEM bundle (or one DER certificate).</summary>
    public static IReadOnlyList<ParsedCertificate> FromFile(string path) =>
        Pem.Blocks(File.ReadAllBytes(path), "CERTIFICATE").Select(From).ToList();

    // Read several times per verification (checks, profile, identity): looked up once. One reference per field, so a
    // reader sees either "not looked up" (null), the value, or NoValue (looked up, absent); a race only repeats the lookup.
    public string? CommonName => (commonName ??= Subject.GetValueList(X509Name.CN).FirstOrDefault() ?? NoValue) as string;
    public string? SubjectSerialNumber => (serialNumber ??= Subject.GetValueList(X509Name.SerialNumber).FirstOrDefault() ?? NoValue) as string;
    private static readonly object NoValue = new();
    private object? commonName;
    private object? serialNumber;

    private SignerIdentity? identity;
    private readonly StrongBox<string?> issuerText;

    /// <summary>The certificate's identity for verdicts (X509Name.ToString is slow: built once per certificate).</summary>
    public SignerIdentity Identity(string? tckn)
    {
        var id = identity ??= new SignerIdentity(
            Subject.ToString(), CommonName, Tckn.FromSubjectSerialNumber(SubjectSerialNumber), issuerText.Value ??= Issuer.ToString(), Serial.ToString(16),
            Sha256, new DateTimeOffset(NotBefore, TimeSpan.Zero), new DateTimeOffset(NotAfter, TimeSpan.Zero));
        return id.Tckn == tckn ? id : id with { Tckn = tckn };
    }

    public override string ToString() => $"{Subject} (sha256 {Sha256[..16]}…)";
}

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

/// <summary>PEM helpers: everything in the engine accepts DER or PEM.</summary>
public static class Pem
{
    public static byte[] ToDer(byte[] data, string label) => Blocks(data, label).FirstOrDefault() ?? data;

    public static IReadOnlyList<byte[]> Blocks(byte[] data, string label)
    {
        if (data.Length == 0 || data[0] == 0x30)
            return [data];
        var text = System.Text.Encoding.ASCII.GetString(data);
        var begin = $"-----BEGIN {label}-----";
        var end = $"-----END {label}-----";
        var result = new List<byte[]>();
        var at = 0;
        while ((at = text.IndexOf(begin, at, StringComparison.Ordinal)) >= 0)
        {
            var stop = text.IndexOf(end, at, StringComparison.Ordinal);
            if (stop < 0)
                break;
            var body = text[(at + begin.Length)..stop];
            result.Add(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))));
            at = stop + end.Length;
        }
        return result.Count > 0 ? result : [data];
    }
}
