using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;

namespace Signing.HsmSim;

/// <summary>Builds (or reuses) the whole world described by personas.json.</summary>
public sealed class WorldBuilder(WorldOptions options, TextWriter log)
{
    public const string DefaultModule = "/usr/lib/softhsm/libsofthsm2.so";
    public const string SoPin = "87654321";
    /// <summary>The rogue root publishes nothing: its leaf names a URL no resolver knows.</summary>
    public const string RogueCrlUrl = "http://crl.rogue-ca.invalid/rogue.crl";
    public const string DefaultPkiHost = "127.0.0.1";
    /// <summary>A policy under a private test arc: the world's TSA is no real one.</summary>
    public const string TsaPolicyOid = "1.3.6.1.4.1.55555.1.3161.1";
    /// <summary>Revoked personas were revoked five days before the world's clock.</summary>
    public const int RevokedDaysBeforeClock = 5;

    /// <summary>A world built for "now" is reused for a week: its relative dates stay meaningful for that long.</summary>
    private static readonly TimeSpan ReuseWindow = TimeSpan.FromDays(7);

    private const int NesValidityDays = 1095;

    public int Run()
    {
        var personasBytes = File.Exists(options.PersonasPath)
            ? File.ReadAllBytes(options.PersonasPath)
            : throw new WorldException($"persona file {options.PersonasPath} not found");
        var personasSha = Convert.ToHexStringLower(SHA256.HashData(personasBytes));
        var manifestPath = Path.Combine(options.OutDirectory, "manifest.json");

        if (!options.Fresh && ReusableWorld(manifestPath, personasSha) is { } existing)
        {
            log.WriteLine($"hsm-sim: reusing the world at {options.OutDirectory} (built {existing.CreatedAt:u}, clock {existing.Clock:u}); --fresh rebuilds it");
            ServerFiles.Write(existing, options.OutDirectory);
            return 0;
        }

        var started = DateTimeOffset.UtcNow;
        var clock = TruncateToSeconds(options.Clock ?? started);
        var personas = PersonaFile.Load(options.PersonasPath);
        PrepareDirectory();

        var dirs = new
        {
            Tokens = Path.Combine(options.OutDirectory, "tokens"),
            Pki = Path.Combine(options.OutDirectory, "pki"),
            Certs = Path.Combine(options.OutDirectory, "certs"),
        };
        foreach (var d in new[] { dirs.Tokens, dirs.Pki, dirs.Certs })
            Directory.CreateDirectory(d);
        var confPath = Path.Combine(options.OutDirectory, "softhsm2.conf");
        File.WriteAllText(confPath,
            $"directories.tokendir = {dirs.Tokens}/\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");

        DateTime At(int days) => clock.UtcDateTime.AddDays(days);
        string Write(string name, string pem) { var p = Path.Combine(dirs.Pki, name); File.WriteAllText(p, pem); return p; }

        var services = Services(options);
        var rootPointers = new RevocationPointers(services.OcspUrl, services.CrlUrls["root"]);
        var subCaPointers = new RevocationPointers(services.OcspUrl, services.CrlUrls["nes-subca"]);
        log.WriteLine($"hsm-sim: building the world at {options.OutDirectory} with clock {clock:u}; services at {services.BaseUrl}");
        var root = TestPki.SelfSignedRoot("Test Kamu SM Kök Sertifika Hizmet Sağlayıcısı", new BigInteger("1001", 16), At(-5 * 365), At(15 * 365));
        var subCa = TestPki.SubCa(root, "Test Kamu SM Nitelikli Elektronik Sertifika Hizmet Sağlayıcısı", new BigInteger("1002", 16), At(-4 * 365), At(10 * 365),
            issuerCrlUrl: services.CrlUrls["root"]);
        var eOnayKey = TestPki.NewRsaKey();
        var eOnay = TestPki.ServiceCertificate(root,
            TestPki.CaName("Test e-Onay Doğrulama Servisi"), eOnayKey.Public, new BigInteger("1003", 16), At(-365), At(5 * 365), rootPointers);
        var rogue = TestPki.SelfSignedRoot("Sahte Kök Sertifika Hizmet Sağlayıcısı", new BigInteger("1004", 16), At(-365), At(10 * 365));
        var rogueLeafKey = TestPki.NewRsaKey();
        var rogueLeaf = TestPki.NesLeaf(rogue, "Sahte Kişi", "10000000146", rogueLeafKey.Public,
            new BigInteger("1005", 16), At(-100), At(900), new RevocationPointers(null, RogueCrlUrl));
        // The TSA hangs under the root, beside the e-Onay issuer: a time-stamping unit is a service of the provider, not
        // a holder's certificate, and the sub-CA's policy is the personal NES one.
        var tsaKey = TestPki.NewRsaKey();
        var tsa = TestPki.TsaCertificate(root, TestPki.CaName("Test Kamu SM Zaman Damgası Sunucusu"), tsaKey.Public,
            new BigInteger("1006", 16), At(-365), At(5 * 365), rootPointers);
        var responderKey = TestPki.NewRsaKey();
        var responder = TestPki.OcspResponderCertificate(subCa, TestPki.CaName("Test Kamu SM NES OCSP Sunucusu"), responderKey.Public,
            new BigInteger("1007", 16), At(-365), At(2 * 365));

        var pki = new WorldPki
        {
            RootCertificate = Write("root.pem", TestPki.Pem(root.Certificate)),
            RootKey = Write("root.key.pem", TestPki.Pem(root.PrivateKey)),
            NesSubCaCertificate = Write("nes-subca.pem", TestPki.Pem(subCa.Certificate)),
            NesSubCaKey = Write("nes-subca.key.pem", TestPki.Pem(subCa.PrivateKey)),
            EOnayIssuerCertificate = Write("eonay-issuer.pem", TestPki.Pem(eOnay)),
            EOnayIssuerKey = Write("eonay-issuer.key.pem", TestPki.Pem(eOnayKey.Private)),
            RogueRootCertificate = Write("rogue-root.pem", TestPki.Pem(rogue.Certificate)),
            RogueRootKey = Write("rogue-root.key.pem", TestPki.Pem(rogue.PrivateKey)),
            RogueLeafCertificate = Write("rogue-leaf.pem", TestPki.Pem(rogueLeaf)),
            RogueLeafKey = Write("rogue-leaf.key.pem", TestPki.Pem(rogueLeafKey.Private)),
            RootCrl = Path.Combine(dirs.Pki, "root.crl"),
            NesSubCaCrl = Path.Combine(dirs.Pki, "nes-subca.crl"),
            NesSubCaCrlUrl = services.CrlUrls["nes-subca"],
            RootCrlUrl = services.CrlUrls["root"],
            NesPolicyOid = TestPki.NesPolicyOid,
            TsaCertificate = Write("tsa.pem", TestPki.Pem(tsa)),
            TsaKey = Write("tsa.key.pem", TestPki.Pem(tsaKey.Private)),
            TsaPolicyOid = TsaPolicyOid,
            OcspResponderCertificate = Write("ocsp-responder.pem", TestPki.Pem(responder)),
            OcspResponderKey = Write("ocsp-responder.key.pem", TestPki.Pem(responderKey.Private)),
            NesSubCaIndex = Path.Combine(dirs.Pki, "nes-subca.index.txt"),
        };

        var built = new List<WorldPersona>();
        using (var hsm = new SoftHsmWorld(options.Module, confPath))
        {
            for (var i = 0; i < personas.Personas.Count; i++)
                hsm.InitToken(personas.Personas[i].Id, SoPin, PinOf(i));
            for (var i = 0; i < personas.Personas.Count; i++)
            {
                var spec = personas.Personas[i];
                built.Add(BuildPersona(hsm, spec, i, clock, root, subCa, dirs.Certs, rootPointers, subCaPointers));
                log.WriteLine($"  token {spec.Id,-20} {spec.Key,-8} notAfter {built[^1].NotAfter:yyyy-MM-dd}{(spec.Revoked ? "  (revoked)" : "")}");
            }
        }

        var revoked = built.Where(p => p.Revoked && p.Issuer == "nes-subca")
            .Select(p => (new BigInteger(p.SerialNumberHex, 16), p.RevokedAt!.Value.UtcDateTime));
        File.WriteAllBytes(pki.NesSubCaCrl, TestPki.Crl(subCa, At(0).AddHours(-1), At(30), BigInteger.One, revoked).GetEncoded());
        File.WriteAllBytes(pki.RootCrl, TestPki.Crl(root, At(0).AddHours(-1), At(30), BigInteger.One, []).GetEncoded());
        OpenSslIndex.Write(pki.NesSubCaIndex,
            built.Where(p => p.Issuer == "nes-subca").Select(p => OpenSslIndex.Entry.Of(new X509CertificateParser().ReadCertificate(File.ReadAllBytes(p.CertificatePath)), p.RevokedAt))
                .Append(OpenSslIndex.Entry.Of(responder, null)));

        var manifest = new WorldManifest
        {
            Version = 1,
            Clock = clock,
            CreatedAt = started,
            PersonasSha256 = personasSha,
            Pkcs11Module = options.Module,
            SoftHsm2Conf = confPath,
            TokenDirectory = dirs.Tokens,
            SoPin = SoPin,
            Pki = pki,
            Services = services,
            Tenants = personas.Tenants,
            Personas = built,
        };
        ServerFiles.Write(manifest, options.OutDirectory);
        // Written last: its presence means the world is complete.
        File.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, WorldManifest.JsonOptions));
        log.WriteLine($"hsm-sim: {built.Count} tokens ready in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s; export SOFTHSM2_CONF={confPath}");
        return 0;
    }

    private WorldPersona BuildPersona(SoftHsmWorld hsm, PersonaSpec spec, int index, DateTimeOffset clock,
        TestCa root, TestCa subCa, string certDir, RevocationPointers rootPointers, RevocationPointers subCaPointers)
    {
        var pin = PinOf(index);
        var objectId = new byte[] { 0x4E, 0x45, 0x53, (byte)(index + 1) }; // "NES" + index
        var objectLabel = spec.Role == "server" ? "Signing Server Key" : "NES İmza Sertifikası";
        var publicKey = hsm.GenerateKeyPair(spec.Id, pin, spec.Key, objectLabel, objectId);

        var notAfter = clock.UtcDateTime.AddDays(spec.NotAfterDays);
        var notBefore = notAfter.AddDays(-NesValidityDays);
        var serial = new BigInteger(1, [0x20, 0x26, (byte)(index + 1)]);
        X509Certificate certificate = spec.Role == "server"
            ? TestPki.ServiceCertificate(root, new X509Name(
                    new List<DerObjectIdentifier> { X509Name.C, X509Name.O, X509Name.CN },
                    new List<string> { "TR", "Sağlık Bakanlığı", spec.Name }),
                publicKey, serial, notBefore, notAfter, rootPointers)
            : TestPki.NesLeaf(subCa, spec.Name, spec.Tckn!, publicKey, serial, notBefore, notAfter, subCaPointers,
                nonRepudiation: !spec.NoNonRepudiation, qcStatements: !spec.NoQcStatements);
        hsm.StoreCertificate(spec.Id, pin, certificate, objectLabel, objectId);

        var certPath = Path.Combine(certDir, spec.Id + ".pem");
        File.WriteAllText(certPath, TestPki.Pem(certificate));
        return new WorldPersona
        {
            Id = spec.Id,
            Name = spec.Name,
            Tckn = spec.Tckn,
            Category = spec.Category,
            Tenant = spec.Tenant,
            Role = spec.Role,
            TokenLabel = spec.Id,
            UserPin = pin,
            KeyAlgorithm = spec.Key,
            ObjectLabel = objectLabel,
            ObjectIdHex = Convert.ToHexStringLower(objectId),
            CertificatePath = certPath,
            CertificateSha256 = Convert.ToHexStringLower(SHA256.HashData(certificate.GetEncoded())),
            SerialNumberHex = certificate.SerialNumber.ToString(16),
            NotBefore = new DateTimeOffset(certificate.NotBefore, TimeSpan.Zero),
            NotAfter = new DateTimeOffset(certificate.NotAfter, TimeSpan.Zero),
            Revoked = spec.Revoked,
            RevokedAt = spec.Revoked ? clock.AddDays(-RevokedDaysBeforeClock) : null,
            Issuer = spec.Role == "server" ? "root" : "nes-subca",
            NoNonRepudiation = spec.NoNonRepudiation,
            NoQcStatements = spec.NoQcStatements,
        };
    }

    private static string PinOf(int index) => $"11{index + 1:D4}";

    private WorldManifest? ReusableWorld(string manifestPath, string personasSha)
    {
        if (!File.Exists(manifestPath))
            return null;
        WorldManifest manifest;
        try { manifest = WorldManifest.Load(manifestPath); }
        catch (Exception e) when (e is JsonException or InvalidDataException) { return null; }
        if (manifest.PersonasSha256 != personasSha || manifest.Pkcs11Module != options.Module)
            return null;
        if (!Directory.Exists(manifest.TokenDirectory))
            return null;
        // The certificates name the services' host and port: a world for another address is rebuilt.
        if (manifest.Services.Host != options.PkiHost
            || (options.PkiPort is { } port && manifest.Services.Port != port)
            || (options.OpensslOcspPort is { } opensslPort && manifest.Services.OpensslOcspPort != opensslPort))
            return null;
        if (options.Clock is { } fixedClock)
            return manifest.Clock == TruncateToSeconds(fixedClock) ? manifest : null;
        return DateTimeOffset.UtcNow - manifest.CreatedAt < ReuseWindow ? manifest : null;
    }

    private WorldServices Services(WorldOptions o)
    {
        var port = o.PkiPort ?? ServeProcesses.FreeLoopbackPort();
        var opensslPort = o.OpensslOcspPort ?? ServeProcesses.FreeLoopbackPort();
        var host = o.PkiHost.Contains(':') ? $"[{o.PkiHost}]" : o.PkiHost;
        var baseUrl = $"http://{host}:{port}";
        return new WorldServices
        {
            Host = o.PkiHost,
            Port = port,
            BaseUrl = baseUrl,
            OcspUrl = baseUrl + "/ocsp",
            TsaUrl = baseUrl + "/tsa",
            CrlUrls = new SortedDictionary<string, string>
            {
                ["root"] = baseUrl + WorldServices.CrlPath("root"),
                ["nes-subca"] = baseUrl + WorldServices.CrlPath("nes-subca"),
            },
            OpensslOcspPort = opensslPort,
            OpensslOcspUrl = $"http://{host}:{opensslPort}",
            ServeDirectory = Path.Combine(o.OutDirectory, "serve"),
        };
    }

    private void PrepareDirectory()
    {
        if (Directory.Exists(options.OutDirectory))
        {
            // A serve of the old world would go on answering with the old keys (and hold the ports): stopped first.
            var readyFile = Path.Combine(options.OutDirectory, "serve", ServeReady.FileName);
            if (ServeProcesses.Stop(options.OutDirectory, readyFile, TimeSpan.FromSeconds(10)))
                log.WriteLine("hsm-sim: stopped the serve of the world being rebuilt");
            foreach (var sub in new[] { "tokens", "pki", "certs", "serve" })
            {
                var path = Path.Combine(options.OutDirectory, sub);
                if (Directory.Exists(path))
                    Directory.Delete(path, recursive: true);
            }
            foreach (var file in new[] { "manifest.json", WorldTrust.FileName, ServerFiles.ServerFileName })
                File.Delete(Path.Combine(options.OutDirectory, file));
        }
        Directory.CreateDirectory(options.OutDirectory);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
