using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Signing.Contracts.V1;
using Signing.Verification;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

using Signing.Bench;

namespace Signing.Load;

/// <summary>One pre-signed submission: a distinct applicant (own NES certificate) and the attached CAdES of their form.</summary>
public sealed record PoolItem(string RequestId, string Tckn, byte[] Cms);

/// <summary>What the load driver needs from the hsm-sim world's manifest (.local/hsm/manifest.json).</summary>
public sealed record WorldManifest(string Path, string RootCertificate, string SubCaCertificate, string SubCaKey, string TemplateCertificate,
    IReadOnlySet<string> PersonaTcknS, string? ServerPin, string? OfficerToken, string? OfficerPin, string? OfficerTckn, string Pkcs11Module)
{
    public static WorldManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"the hsm-sim manifest is not at {path} (run ./build.sh --target=HsmSim, or set SIGNING_HSM_MANIFEST)", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var pki = root.GetProperty("pki");
        var personas = root.GetProperty("personas").EnumerateArray().ToList();
        JsonElement? Persona(string id) => personas.FirstOrDefault(p => p.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } p ? p : null;
        string? Str(JsonElement? e, string name) => e is { } v && v.TryGetProperty(name, out var x) ? x.GetString() : null;
        var doctor = Persona("doctor") ?? throw new InvalidDataException("the manifest has no 'doctor' persona (its certificate is the NES profile template)");
        var officer = Persona("officer-mersin-1");
        return new WorldManifest(path,
            pki.GetProperty("rootCertificate").GetString()!,
            pki.GetProperty("nesSubCaCertificate").GetString()!,
            pki.GetProperty("nesSubCaKey").GetString()!,
            Str(doctor, "certificatePath")!,
            personas.Select(p => Str(p, "tckn")).OfType<string>().ToHashSet(),
            Str(Persona("server-mersin"), "userPin"),
            Str(officer, "tokenLabel"), Str(officer, "userPin"), Str(officer, "tckn"),
            root.TryGetProperty("pkcs11Module", out var m) ? m.GetString() ?? "" : "");
    }
}

/// <summary>
/// Synthetic applicants for the load run, made before the clock starts: K software RSA-2048 key pairs used in turn
/// (K above the verifier's 64-entry key cache makes every submission bring a key the server has not seen), N certificates
/// issued by the hsm-sim NES sub-CA with the persona NES profile (the doctor's extensions copied as DER: policies,
/// QC statements, keyUsage nonRepudiation, CRL distribution point, AKI), each for its own valid TCKN, and each form
/// signed as attached CAdES-BES (content-type, message-digest, signing-time, signing-certificate-v2).
/// Issuance and signing go through .NET (OpenSSL): BouncyCastle's managed RSA would be ~10× slower.
/// </summary>
public static class IdentityPool
{
    private static readonly string[] GivenNames = ["Ayşe", "Mehmet", "Zeynep", "Mustafa", "Elif", "Ahmet", "Şükran", "İbrahim", "Gülşen", "Ömer", "Çiğdem", "Hüseyin"];
    private static readonly string[] Surnames = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Koç"];

    public static List<PoolItem> Build(WorldManifest world, string tenant, int count, int keyCount, string runTag, DateTimeOffset now)
    {
        using var subCaCert = X509Certificate2.CreateFromPem(File.ReadAllText(world.SubCaCertificate));
        var subCaKeyPem = File.ReadAllText(world.SubCaKey);
        var template = X509Certificate2.CreateFromPem(File.ReadAllText(world.TemplateCertificate));
        keyCount = Math.Clamp(keyCount, 1, count);
        // Key generation is the slow part of a small pool (tens of ms per RSA-2048 key): both cores.
        var applicantKeys = new (byte[] Pkcs8, PublicKey Public, X509SubjectKeyIdentifierExtension Ski)[keyCount];
        Parallel.For(0, keyCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
        {
            using var generated = RSA.Create(2048);
            var publicKey = new PublicKey(generated);
            applicantKeys[k] = (generated.ExportPkcs8PrivateKey(), publicKey, new X509SubjectKeyIdentifierExtension(publicKey, false));
        });

        // The persona's extensions, byte for byte, except the SKI (each certificate gets its own key's).
        var extensions = template.Extensions.Where(e => e.Oid?.Value != "2.5.29.14").Select(e => new System.Security.Cryptography.X509Certificates.X509Extension(e.Oid!, e.RawData, e.Critical)).ToList();
        var notBefore = Max(subCaCert.NotBefore.ToUniversalTime(), now.UtcDateTime.AddDays(-3 * 365 + 60));
        var notAfter = Min(subCaCert.NotAfter.ToUniversalTime(), now.UtcDateTime.AddDays(60));
        var issuerName = subCaCert.SubjectName;
        var tckns = Tckns(count, world.PersonaTcknS, runTag);

        var items = new PoolItem[count];
        // Per thread: the issuer, and the applicant keys it has imported so far (an RSA object is not shared between threads).
        var threadState = new ThreadLocal<(X509SignatureGenerator Issuer, RSA?[] Applicants, AsymmetricAlgorithm IssuerKey)>(() =>
        {
            AsymmetricAlgorithm key;
            X509SignatureGenerator generator;
            if (subCaKeyPem.Contains("EC PRIVATE KEY", StringComparison.Ordinal) || IsEc(subCaCert))
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(subCaKeyPem);
                (key, generator) = (ec, X509SignatureGenerator.CreateForECDsa(ec));
            }
            else
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(subCaKeyPem);
                (key, generator) = (rsa, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1));
            }
            return (generator, new RSA?[keyCount], key);
        }, trackAllValues: true);

        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var (issuer, applicants, _) = threadState.Value;
                var k = i % keyCount;
                var (pkcs8, publicKey, ski) = applicantKeys[k];
                var applicant = applicants[k];
                if (applicant is null)
                {
                    applicant = applicants[k] = RSA.Create();
                    applicant.ImportPkcs8PrivateKey(pkcs8, out _);
                }
                var given = GivenNames[i % GivenNames.Length];
                var surname = Surnames[(i / GivenNames.Length) % Surnames.Length];
                var subject = new X500DistinguishedNameBuilder();
                subject.AddCountryOrRegion("TR");
                subject.AddCommonName(given + " " + surname);
                subject.Add("2.5.4.5", tckns[i], UniversalTagNumber.PrintableString);
                var request = new CertificateRequest(subject.Build(), publicKey, HashAlgorithmName.SHA256);
                foreach (var e in extensions)
                    request.CertificateExtensions.Add(e);
                request.CertificateExtensions.Add(ski);
                var serial = RandomNumberGenerator.GetBytes(16);
                serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
                using var certificate = request.Create(issuerName, issuer, notBefore, notAfter, serial);

                var form = new ApplicationForm
                {
                    Tenant = tenant,
                    Tckn = tckns[i],
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
                items[i] = new PoolItem($"load-{runTag}-{i}", tckns[i], SignCades(content, certificate.RawData, applicant, now));
            });
        }
        finally
        {
            foreach (var (_, applicants, key) in threadState.Values)
            {
                foreach (var applicant in applicants)
                    applicant?.Dispose();
                key.Dispose();
            }
            threadState.Dispose();
            template.Dispose();
        }
        return [.. items];
    }

    /// <summary>
    /// A pool made earlier for the same world, tenant and size (file under the temp directory), or a new one saved there.
    /// Only for runs against a fresh database: the same applicants and request ids would be retries against a used one.
    /// </summary>
    public static List<PoolItem> BuildOrLoad(WorldManifest world, string tenant, int count, int keyCount, string runTag, DateTimeOffset now, Action<string> log)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            "pool-v2", File.ReadAllText(world.SubCaCertificate), File.ReadAllText(world.TemplateCertificate), tenant, count, keyCount))))[..20];
        var dir = Path.Combine(Path.GetTempPath(), "signing-load-pools");
        var file = Path.Combine(dir, $"pool-{tenant}-{count}-k{keyCount}-{key}.bin");
        // The certificates are valid for 60 days from issuance and the signing time must not lie in the future: a week-old pool is remade.
        if (File.Exists(file) && File.GetLastWriteTimeUtc(file) > now.UtcDateTime.AddDays(-7) && File.GetLastWriteTimeUtc(file) < now.UtcDateTime)
        {
            try
            {
                using var reader = new BinaryReader(File.OpenRead(file));
                var n = reader.ReadInt32();
                var items = new List<PoolItem>(n);
                for (var i = 0; i < n; i++)
                    items.Add(new PoolItem(reader.ReadString(), reader.ReadString(), reader.ReadBytes(reader.ReadInt32())));
                log($"load: pool of {n:N0} read from {file}");
                return items;
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
            {
                log($"load: cached pool {file} unreadable ({e.Message}); making a new one");
            }
        }
        var built = Build(world, tenant, count, keyCount, runTag, now);
        Directory.CreateDirectory(dir);
        var temp = file + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(built.Count);
            foreach (var item in built)
            {
                writer.Write(item.RequestId);
                writer.Write(item.Tckn);
                writer.Write(item.Cms.Length);
                writer.Write(item.Cms);
            }
        }
        File.Move(temp, file, overwrite: true);
        return built;
    }

    /// <summary>Checks one pool item with the same verifier the server uses; returns the verdict for the caller to judge.</summary>
    public static Signing.Verification.Verdict VerifySample(string manifestPath, PoolItem item) =>
        new CmsVerifier(TrustConfiguration.Load(Path.Combine(Path.GetDirectoryName(manifestPath)!, "trust.json"))).Verify(item.Cms);

    /// <summary>Attached CAdES-BES: BouncyCastle builds the CMS, .NET's RSA signs the signed attributes.</summary>
    private static byte[] SignCades(byte[] content, byte[] certificateDer, RSA key, DateTimeOffset signingTime)
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
            .Build(new DotNetRsaSignatureFactory(key), certificate);
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificate(certificate);
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate: true).GetEncoded(Asn1Encodable.Der);
    }

    /// <summary>Distinct valid TCKNs (both check digits computed), never a persona's; random per run so runs against one store do not meet.</summary>
    public static string[] Tckns(int count, IReadOnlySet<string> avoid, string runTag)
    {
        var random = new Random(StringComparer.Ordinal.GetHashCode(runTag));
        var seen = new HashSet<string>(avoid);
        var result = new string[count];
        var n = 0;
        while (n < count)
        {
            var text = Signing.Domain.Tckn.WithCheckDigits(random.Next(100_000_000, 1_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture)).Value;
            if (seen.Add(text))
                result[n++] = text;
        }
        return result;
    }

    private static bool IsEc(X509Certificate2 certificate) => certificate.PublicKey.Oid.Value == "1.2.840.10045.2.1";
    private static DateTimeOffset Max(DateTime a, DateTime b) => new(a > b ? a : b, TimeSpan.Zero);
    private static DateTimeOffset Min(DateTime a, DateTime b) => new(a < b ? a : b, TimeSpan.Zero);
}
