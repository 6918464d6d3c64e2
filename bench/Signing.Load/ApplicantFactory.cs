using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Signing.Bench;
using Signing.Contracts.V1;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Signing.Load;

/// <summary>The applicants' key algorithm: RSA-2048 as most NES cards, or ECDSA P-256 (cheaper to make, costlier to verify).</summary>
public enum ApplicantKeyType { Rsa, Ecdsa }

/// <summary>
/// Makes synthetic applicants one at a time, from any thread: K software key pairs used in turn, a certificate per
/// applicant issued by the hsm-sim NES sub-CA with the persona NES profile (the doctor's extensions copied as DER:
/// policies, QC statements, keyUsage nonRepudiation, CRL distribution point, AKI) for its own TCKN, and the form signed
/// as attached CAdES-BES (content-type, message-digest, signing-time, signing-certificate-v2). Issuance and signing go
/// through .NET (OpenSSL): BouncyCastle's managed RSA would be ~10× slower. One CA signature per applicant is the floor
/// of the cost (every applicant has a certificate of its own); the applicant's own signature is the other half.
/// </summary>
public sealed class ApplicantFactory : IDisposable
{
    private static readonly string[] GivenNames = ["Ayşe", "Mehmet", "Zeynep", "Mustafa", "Elif", "Ahmet", "Şükran", "İbrahim", "Gülşen", "Ömer", "Çiğdem", "Hüseyin"];
    private static readonly string[] Surnames = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Koç"];

    private readonly (byte[] Pkcs8, PublicKey Public, X509SubjectKeyIdentifierExtension Ski)[] _keys;
    private readonly List<System.Security.Cryptography.X509Certificates.X509Extension> _extensions;
    private readonly X500DistinguishedName _issuerName;
    private readonly DateTimeOffset _notBefore, _notAfter;
    private readonly ApplicantKeyType _keyType;
    // Per thread: the issuer and the applicant keys imported so far (.NET key objects are not shared between threads).
    private readonly ThreadLocal<(X509SignatureGenerator Issuer, AsymmetricAlgorithm IssuerKey, AsymmetricAlgorithm?[] Applicants)> _perThread;

    public ApplicantFactory(WorldManifest world, int keyCount, ApplicantKeyType keyType, DateTimeOffset now)
    {
        using var subCa = X509Certificate2.CreateFromPem(File.ReadAllText(world.SubCaCertificate));
        using var template = X509Certificate2.CreateFromPem(File.ReadAllText(world.TemplateCertificate));
        var subCaKeyPem = File.ReadAllText(world.SubCaKey);
        _keyType = keyType;
        _issuerName = subCa.SubjectName;
        _notBefore = Max(subCa.NotBefore.ToUniversalTime(), now.UtcDateTime.AddDays(-3 * 365 + 60));
        _notAfter = Min(subCa.NotAfter.ToUniversalTime(), now.UtcDateTime.AddDays(60));
        // The persona's extensions, byte for byte, except the SKI (each certificate gets its own key's).
        _extensions = template.Extensions.Where(e => e.Oid?.Value != "2.5.29.14")
            .Select(e => new System.Security.Cryptography.X509Certificates.X509Extension(e.Oid!, e.RawData, e.Critical)).ToList();
        // RSA key generation takes tens of ms a key: both cores.
        _keys = new (byte[], PublicKey, X509SubjectKeyIdentifierExtension)[Math.Max(1, keyCount)];
        Parallel.For(0, _keys.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            using AsymmetricAlgorithm generated = keyType == ApplicantKeyType.Rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var publicKey = generated is RSA rsa ? new PublicKey(rsa) : new PublicKey((ECDsa)generated);
            _keys[k] = (generated.ExportPkcs8PrivateKey(), publicKey, new X509SubjectKeyIdentifierExtension(publicKey, false));
        });
        var isEc = subCaKeyPem.Contains("EC PRIVATE KEY", StringComparison.Ordinal) || subCa.PublicKey.Oid.Value == "1.2.840.10045.2.1";
        _perThread = new(() =>
        {
            if (isEc)
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(subCaKeyPem);
                return (X509SignatureGenerator.CreateForECDsa(ec), ec, new AsymmetricAlgorithm?[_keys.Length]);
            }
            var rsa = RSA.Create();
            rsa.ImportFromPem(subCaKeyPem);
            return (X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), rsa, new AsymmetricAlgorithm?[_keys.Length]);
        }, trackAllValues: true);
    }

    public int KeyCount => _keys.Length;

    /// <summary>Thread time spent so far issuing certificates and making the signed forms (Stopwatch ticks), to see where making goes.</summary>
    public long IssueTicks => Interlocked.Read(ref _issueTicks);
    public long SignTicks => Interlocked.Read(ref _signTicks);
    private long _issueTicks, _signTicks;

    /// <summary>
    /// Applicant <paramref name="i"/>: its certificate and its signed form. The form's bytes depend only on the arguments,
    /// so the same applicant made again is a retry of the same submission (same request id, same signed content).
    /// </summary>
    public PoolItem Make(long i, string tenant, string tckn, string requestId, DateTimeOffset signingTime)
    {
        var begin = Stopwatch.GetTimestamp();
        var (issuer, _, applicants) = _perThread.Value;
        var k = (int)(i % _keys.Length);
        var (pkcs8, publicKey, ski) = _keys[k];
        var applicant = applicants[k] ??= Import(pkcs8);
        var given = GivenNames[i % GivenNames.Length];
        var surname = Surnames[(i / GivenNames.Length) % Surnames.Length];
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("TR");
        subject.AddCommonName(given + " " + surname);
        subject.Add("2.5.4.5", tckn, UniversalTagNumber.PrintableString);
        var request = new CertificateRequest(subject.Build(), publicKey, HashAlgorithmName.SHA256);
        foreach (var e in _extensions)
            request.CertificateExtensions.Add(e);
        request.CertificateExtensions.Add(ski);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = request.Create(_issuerName, issuer, _notBefore, _notAfter, serial);
        var issued = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _issueTicks, issued - begin);

        var form = new ApplicationForm
        {
            Tenant = tenant,
            Tckn = tckn,
            GivenNames = given,
            Surname = surname,
            Category = ApplicantCategory.Doctor,
            Reason = "YENİLEME",
            CertificateKind = "NES",
            TermYears = 3,
            Email = $"yuk{i}@example.org",
            Phone = "+90 532 000 00 00",
            DeliveryAddress = "Çiftlikköy Mah. 3401 Sok. No:5, Yenişehir/Mersin",
            Institution = "Mersin Şehir Eğitim ve Araştırma Hastanesi",
        };
        var content = Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(form));
        ISignatureFactory signer = applicant is RSA r ? new Signing.HsmSim.PlatformRsaSigner(r) : new DotNetEcdsaSignatureFactory((ECDsa)applicant);
        var item = new PoolItem(requestId, tckn, SignCades(content, certificate.RawData, signer, signingTime));
        Interlocked.Add(ref _signTicks, Stopwatch.GetTimestamp() - issued);
        return item;
    }

    private AsymmetricAlgorithm Import(byte[] pkcs8)
    {
        AsymmetricAlgorithm key = _keyType == ApplicantKeyType.Rsa ? RSA.Create() : ECDsa.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return key;
    }

    /// <summary>Attached CAdES-BES: BouncyCastle builds the CMS, .NET signs the signed attributes.</summary>
    private static byte[] SignCades(byte[] content, byte[] certificateDer, ISignatureFactory signer, DateTimeOffset signingTime)
    {
        var certificate = new BcCertificate(X509CertificateStructure.GetInstance(certificateDer));
        var essId = new EssCertIDv2(SHA256.HashData(certificateDer),
            new IssuerSerial(new GeneralNames(new GeneralName(certificate.IssuerDN)), new DerInteger(certificate.SerialNumber)));
        var attributes = new Asn1EncodableVector
        {
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(essId))),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(signingTime.UtcDateTime))),
        };
        // The default generator adds content-type and message-digest.
        var signerInfo = new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)))
            .Build(signer, certificate);
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificate(certificate);
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate: true).GetEncoded(Asn1Encodable.Der);
    }

    public void Dispose()
    {
        foreach (var (_, issuerKey, applicants) in _perThread.Values)
        {
            foreach (var applicant in applicants)
                applicant?.Dispose();
            issuerKey.Dispose();
        }
        _perThread.Dispose();
    }

    private static DateTimeOffset Max(DateTime a, DateTime b) => new(a > b ? a : b, TimeSpan.Zero);
    private static DateTimeOffset Min(DateTime a, DateTime b) => new(a < b ? a : b, TimeSpan.Zero);
}

/// <summary>ecdsa-with-SHA256 through .NET (OpenSSL) for BouncyCastle's CMS builder, the signature DER-encoded as CMS wants it.</summary>
public sealed class DotNetEcdsaSignatureFactory(ECDsa key) : ISignatureFactory
{
    public object AlgorithmDetails { get; } = new AlgorithmIdentifier(Org.BouncyCastle.Asn1.X9.X9ObjectIdentifiers.ECDsaWithSha256);

    public IStreamCalculator<IBlockResult> CreateCalculator() => new Calculator(key);

    private sealed class Calculator(ECDsa key) : IStreamCalculator<IBlockResult>
    {
        private readonly MemoryStream _buffer = new();
        public Stream Stream => _buffer;
        public IBlockResult GetResult() =>
            new SimpleBlockResult(key.SignData(_buffer.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }
}
