using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Net.Pkcs11Interop.Common;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Signing.Tokens;
using LowLevel = Net.Pkcs11Interop.LowLevelAPI80;

namespace Signing.Benchmarks;

/// <summary>
/// Signing through Signing.Tokens against raw C_SignInit + C_Sign on the same token, key and login, in one run.
/// Target: Tokens ≤ 1.2× raw per signature. Needs the hsm-sim world (./build.sh --target=HsmSim) and
/// SOFTHSM2_CONF exported before `dotnet run -c Release --project bench/Signing.Benchmarks -- --filter '*Token*'`.
/// </summary>
[MemoryDiagnoser]
public class TokenSigningBenchmarks
{
    /// <summary>doctor (RSA-2048) and server-mersin (EC P-256, the directorate key that signs receipts).</summary>
    [Params("doctor", "server-mersin")]
    public string Persona { get; set; } = "server-mersin";

    // What a CMS signer signs: the DER of the signed attributes, a couple of hundred bytes.
    private readonly byte[] _data = RandomNumberGenerator.GetBytes(200);
    private byte[] _hash = [];
    private bool _isRsa;

    private TokenSession _session = null!;
    private SigningKey _key = null!;
    private CadesSigner _cades = null!;
    private Org.BouncyCastle.Asn1.Cms.Attribute _generatorSigningCertificateV2 = null!;

    private LowLevel.Pkcs11Library _raw = null!;
    private ulong _rawSession;
    private ulong _rawKey;
    private ulong _rawSessionKey;
    private readonly byte[] _rawSignature = new byte[512];

    [GlobalSetup]
    public void Setup() => SetupCore(new TokenOptions());

    /// <summary>
    /// TokensSignSessionCopy runs in its own process (as every benchmark case does), so its login can carry the option:
    /// a token has one logged-in TokenSession per process, so the two cannot share a run.
    /// </summary>
    [GlobalSetup(Target = nameof(TokensSignSessionCopy))]
    public void SetupSessionCopy()
    {
        SetupCore(new TokenOptions { SignWithSessionCopy = true });
        _key.Sign(_data); // the copy is made on first use: make it outside the measurement
    }

    private void SetupCore(TokenOptions options)
    {
        var (module, label, pin, idHex, algorithm) = ReadPersona(Persona);
        Pkcs11Native.EnsureLibdlResolver();
        var loaded = Pkcs11Module.Load(module);
        _session = loaded.Login(label, PinSources.FromSecret(pin), options);
        _key = _session.GetSigningKey(idHex: idHex);
        _cades = new CadesSigner(_key);
        // As the former CadesSigner did: signing-certificate-v2 once per signer, everything else per call.
        var issuerSerial = new IssuerSerial(new GeneralNames(new GeneralName(_key.Certificate.IssuerDN)), new DerInteger(_key.Certificate.SerialNumber));
        _generatorSigningCertificateV2 = new Org.BouncyCastle.Asn1.Cms.Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2,
            new DerSet(new SigningCertificateV2(new EssCertIDv2(SHA256.HashData(_key.Certificate.GetEncoded()), issuerSerial))));
        _isRsa = algorithm.StartsWith("rsa", StringComparison.Ordinal);
        _hash = SHA256.HashData(_data);

        // The raw side: the same module (already C_Initialize'd by Signing.Tokens: the login is process-wide,
        // so a second session on the token is logged in too) driven through the low-level API, nothing cached but handles.
        if (Platform.NativeULongSize != 8 || Platform.StructPackingSize != 0)
            throw new PlatformNotSupportedException("the raw benchmark is written for LowLevelAPI80 (64-bit Unix)");
        _raw = new LowLevel.Pkcs11Library(module);
        var slotId = loaded.ListTokens().Single(t => t.Label == label).SlotId;
        Check(_raw.C_OpenSession(slotId, (ulong)CKF.CKF_SERIAL_SESSION, IntPtr.Zero, IntPtr.Zero, ref _rawSession));
        LowLevel.CK_ATTRIBUTE[] template =
        [
            LowLevel.CkaUtils.CreateAttribute(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            LowLevel.CkaUtils.CreateAttribute(CKA.CKA_ID, Convert.FromHexString(idHex)),
        ];
        Check(_raw.C_FindObjectsInit(_rawSession, template, (ulong)template.Length));
        var found = new ulong[1];
        ulong count = 0;
        Check(_raw.C_FindObjects(_rawSession, found, 1, ref count));
        Check(_raw.C_FindObjectsFinal(_rawSession));
        if (count != 1)
            throw new InvalidOperationException($"private key {idHex} not found on {label}");
        _rawKey = found[0];
        for (var i = 0; i < template.Length; i++)
            UnmanagedMemory.Free(ref template[i].value);
        LowLevel.CK_ATTRIBUTE[] copyTemplate = [LowLevel.CkaUtils.CreateAttribute(CKA.CKA_TOKEN, false)];
        Check(_raw.C_CopyObject(_rawSession, _rawKey, copyTemplate, 1, ref _rawSessionKey));
        UnmanagedMemory.Free(ref copyTemplate[0].value);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.C_CloseSession(_rawSession);
        _raw.Dispose();
        _session.Dispose();
    }

    /// <summary>C_SignInit + one C_Sign: CKM_SHA256_RSA_PKCS over the data, or CKM_ECDSA over a precomputed hash.</summary>
    [Benchmark(Baseline = true)]
    public int RawCSign() => RawSign(_rawKey);

    /// <summary>As RawCSign, with a session-object copy of the key (C_CopyObject, CKA_TOKEN false).</summary>
    [Benchmark]
    public int RawCSignSessionCopy() => RawSign(_rawSessionKey);

    private int RawSign(ulong key)
    {
        var mechanism = LowLevel.CkmUtils.CreateMechanism(_isRsa ? CKM.CKM_SHA256_RSA_PKCS : CKM.CKM_ECDSA);
        Check(_raw.C_SignInit(_rawSession, ref mechanism, key));
        var input = _isRsa ? _data : _hash;
        ulong length = (ulong)_rawSignature.Length;
        Check(_raw.C_Sign(_rawSession, input, (ulong)input.Length, _rawSignature, ref length));
        return (int)length;
    }

    /// <summary>SigningKey.Sign: lock, mechanism choice, cached key handle, host hash + DER for ECDSA.</summary>
    [Benchmark]
    public int TokensSign() => _key.Sign(_data).Length;

    /// <summary>As TokensSign, through a session logged in with TokenOptions.SignWithSessionCopy (set up by SetupSessionCopy).</summary>
    [Benchmark]
    public int TokensSignSessionCopy() => _key.Sign(_data).Length;

    /// <summary>
    /// For scale: a whole CAdES-BES (attributes, CMS, DER) over a 1 KB form, one token signature inside. What it adds to
    /// TokensSign is the CMS cost of every receipt.
    /// </summary>
    [Benchmark]
    public int TokensCadesAttached() => _cades.Sign(Form, detached: false).Length;

    /// <summary>
    /// The same CAdES-BES made the way CadesSigner made it before its template (BouncyCastle's CmsSignedDataGenerator,
    /// a signer info generator and the certificate set built per call): kept so each run shows the saving side by side.
    /// </summary>
    [Benchmark]
    public int GeneratorCadesAttached()
    {
        var certificate = _key.Certificate;
        var signedAttributes = new Asn1EncodableVector
        {
            _generatorSigningCertificateV2,
            new Org.BouncyCastle.Asn1.Cms.Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(DateTime.UtcNow))),
        };
        var signerInfo = new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new Org.BouncyCastle.Asn1.Cms.AttributeTable(signedAttributes)))
            .Build(_key.SignatureFactory(), certificate);
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(signerInfo);
        generator.AddCertificate(certificate);
        return generator.Generate(new CmsProcessableByteArray(Form), encapsulate: true).GetEncoded(Asn1Encodable.Der).Length;
    }

    private static readonly byte[] Form = RandomNumberGenerator.GetBytes(1024);

    private static void Check(CKR rv)
    {
        if (rv != CKR.CKR_OK)
            throw new Pkcs11Exception("raw benchmark", rv);
    }

    private static (string Module, string Label, string Pin, string IdHex, string Algorithm) ReadPersona(string id)
    {
        var manifestPath = Environment.GetEnvironmentVariable("SIGNING_HSM_MANIFEST") ?? Path.Combine(FindRepository(), ".local", "hsm", "manifest.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var root = doc.RootElement;
        var persona = root.GetProperty("personas").EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);
        Signing.HsmSim.SoftHsmEnvironment.EnsureConf(root.GetProperty("softHsm2Conf").GetString()!);
        return (root.GetProperty("pkcs11Module").GetString()!, persona.GetProperty("tokenLabel").GetString()!,
            persona.GetProperty("userPin").GetString()!, persona.GetProperty("objectIdHex").GetString()!,
            persona.GetProperty("keyAlgorithm").GetString()!);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Signing.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Signing.sln not found above " + AppContext.BaseDirectory);
    }
}
