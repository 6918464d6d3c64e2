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
/// small slices (ParsedCertificate.Fast.cs); anything else takes BouncyCastle's full parse (see <see cref="Parse(byte[], string)"/>).
/// </summary>
public sealed partial class ParsedCertificate
{
    private static readonly DerCache<ParsedCertificate> Cache = new(CacheBounds.SignerWorkingSet, "CERTIFICATE", "X.509 certificate", Parse);

    public byte[] Der { get; private set; }
    public string Sha256 { get; private set; }
    /// <summary>
    /// BouncyCastle's view of the certificate. Made again from <see cref="Der"/> on first use and not kept by the
    /// constructor: cached certificates would otherwise keep the whole parsed ASN.1 tree alive (GC cost per new leaf).
    /// </summary>
    public BcX509Certificate Certificate => certificate ??= new BcX509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(Der)));
    private BcX509Certificate? certificate;
    public X509Name Subject { get; private set; } = null!;
    public X509Name Issuer { get; private set; } = null!;
    /// <summary>The DER of <see cref="Issuer"/> (shared with every certificate of the same issuer): compared before names are.</summary>
    internal byte[] IssuerDer { get; private set; } = null!;
    public DateTime NotBefore { get; private set; }
    public DateTime NotAfter { get; private set; }
    public Org.BouncyCastle.Math.BigInteger Serial { get; private set; } = null!;
    public int Version { get; private set; }
    /// <summary>The raw TBS bytes and outer signature, for signature checks.</summary>
    /// <remarks>Sliced from <see cref="Der"/> on use when that is canonical DER (signature results are cached, so this is
    /// rare), rather than kept: every cached certificate would hold a second copy of itself.</remarks>
    internal byte[] TbsDer => tbsDer ?? FirstElement(Der);
    private byte[]? tbsDer;
    internal byte[] SignatureValue { get; private set; } = null!;
    internal AlgorithmIdentifier SignatureAlgorithm { get; private set; } = null!;
    internal bool SignatureAlgorithmsMatch { get; private set; }
    /// <summary>BouncyCastle's view of the public key. The fast parse makes it on first use only (nothing on a new leaf's
    /// path reads it: the key handle is read from the DER).</summary>
    public SubjectPublicKeyInfo PublicKeyInfo => publicKeyInfo ??= SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(spkiDer!));
    private SubjectPublicKeyInfo? publicKeyInfo;
    private byte[]? spkiDer;

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
    public IReadOnlyList<(string Oid, bool Critical)> Extensions { get; private set; } = [];
    /// <summary>Non-null when the certificate violates a structural rule of RFC 5280 (see <see cref="CertificateLint"/>).</summary>
    public string? ProfileViolation { get; private set; }
    public bool IsSelfIssued { get; private set; }

    private Lazy<PublicKeyHandle> key = null!;
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
        // encoding it again. Input of unknown encoding (BER, non-canonical DER) is re-encoded.
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

    /// <summary>An instance for the fast reader to fill (<see cref="TryReadFast"/>).</summary>
    private ParsedCertificate(byte[] der, string sha256)
    {
        Der = der;
        Sha256 = sha256;
    }

    /// <summary>The fast reader when it can read the certificate, else BouncyCastle's full parse (which throws for what it rejects).</summary>
    internal static ParsedCertificate Parse(byte[] der, string sha256) => Parse(der, sha256, false);

    private static ParsedCertificate Parse(byte[] der, string sha256, bool knownDer)
    {
        var fast = new ParsedCertificate(der, sha256);
        return fast.TryReadFast(knownDer) ? fast : new ParsedCertificate(der, sha256, null);
    }

    /// <summary>For the agreement tests: the fast reader alone, null where it leaves the certificate to the full parser.</summary>
    internal static ParsedCertificate? ParseFastOnly(byte[] der)
    {
        var fast = new ParsedCertificate(der, "");
        return fast.TryReadFast(false) ? fast : null;
    }

    /// <summary>For the agreement tests: BouncyCastle's full parse alone.</summary>
    internal static ParsedCertificate ParseBouncyCastleOnly(byte[] der) => new(der, "", null);

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
    /// are its DER encoding, as BouncyCastle's re-encoding would give them): hashed and parsed from those bytes, not walked again.
    /// </summary>
    internal static ParsedCertificate FromCanonicalDer(ReadOnlyMemory<byte> der) => Cache.Get(der.Span, hash => Parse(der.ToArray(), hash, true));

    /// <summary>
    /// The certificate of an already-parsed ASN.1 structure (e.g. from a CMS certificate set): encoded to DER once for
    /// the hash (cache key, <see cref="Der"/>), and on a cache miss built from the structure without parsing again.
    /// </summary>
    internal static ParsedCertificate From(Asn1Encodable parsed)
    {
        var der = parsed.GetEncoded(Asn1Encodable.Der);
        return Cache.Get(der, hash =>
        {
            var fast = new ParsedCertificate(der, hash);
            return fast.TryReadFast(false) ? fast : new ParsedCertificate(der, hash, X509CertificateStructure.GetInstance(parsed));
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
    private StrongBox<string?> issuerText = null!;

    /// <summary>The certificate's identity for verdicts (X509Name.ToString is slow: built once per certificate).</summary>
    public SignerIdentity Identity(string? tckn)
    {
        var id = identity ??= new SignerIdentity(
            Subject.ToString(), CommonName, Domain.Tckn.FromSubjectSerialNumber(SubjectSerialNumber), issuerText.Value ??= Issuer.ToString(), Serial.ToString(16),
            Sha256, new DateTimeOffset(NotBefore, TimeSpan.Zero), new DateTimeOffset(NotAfter, TimeSpan.Zero));
        return id.Tckn == tckn ? id : id with { Tckn = tckn };
    }

    public override string ToString() => $"{Subject} (sha256 {Sha256[..16]}…)";
}
