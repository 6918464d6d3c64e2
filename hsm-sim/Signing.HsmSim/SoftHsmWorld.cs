using System.Diagnostics;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Signing.Tokens;

namespace Signing.HsmSim;

/// <summary>
/// The token side of the world: initialises one SoftHSM2 token per persona (softhsm2-util), generates the
/// persona's key pair on it (non-extractable) and stores the certificate next to it under the same CKA_ID.
/// </summary>
public sealed class SoftHsmWorld : IDisposable
{
    private readonly Pkcs11InteropFactories _factories = new();
    private readonly string _modulePath;
    private readonly string _confPath;
    // Loaded on first use: SoftHSM reads its token directory once, at C_Initialize, so every token must be
    // initialised (InitToken) before the module is loaded.
    private IPkcs11Library? _library;

    public SoftHsmWorld(string modulePath, string confPath)
    {
        if (!File.Exists(modulePath))
            throw new WorldException($"PKCS#11 module {modulePath} not found: install softhsm2 (./build.sh --target=Bootstrap)");
        _confPath = confPath;
        Pkcs11Native.EnsureLibdlResolver();
        SoftHsmEnvironment.EnsureConf(confPath);
        if (Environment.GetEnvironmentVariable("SOFTHSM2_CONF") != confPath)
            throw new WorldException($"SOFTHSM2_CONF is set to another world ({Environment.GetEnvironmentVariable("SOFTHSM2_CONF")}); unset it to build {confPath}");
        _modulePath = modulePath;
    }

    private IPkcs11Library Library =>
        _library ??= _factories.Pkcs11LibraryFactory.LoadPkcs11Library(_factories, _modulePath, AppType.MultiThreaded);

    public void InitToken(string label, string soPin, string userPin)
    {
        if (_library is not null)
            throw new InvalidOperationException("initialise every token before the first key is generated");
        var psi = new ProcessStartInfo("softhsm2-util")
        {
            ArgumentList = { "--init-token", "--free", "--label", label, "--so-pin", soPin, "--pin", userPin },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["SOFTHSM2_CONF"] = _confPath;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new WorldException("softhsm2-util did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new WorldException("softhsm2-util not found: install softhsm2 (./build.sh --target=Bootstrap)");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new WorldException($"softhsm2-util --init-token {label} failed: {stderr.Result.Trim()}");
        }
    }

    /// <summary>Generates the persona's key pair on its token and returns the public key.</summary>
    public AsymmetricKeyParameter GenerateKeyPair(string tokenLabel, string userPin, string keyAlgorithm, string objectLabel, byte[] objectId)
    {
        using var session = OpenUserSession(tokenLabel, userPin);
        var f = _factories.ObjectAttributeFactory;
        var publicTemplate = new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, false), f.Create(CKA.CKA_VERIFY, true),
            f.Create(CKA.CKA_LABEL, objectLabel), f.Create(CKA.CKA_ID, objectId),
        };
        var privateTemplate = new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, true), f.Create(CKA.CKA_SIGN, true),
            f.Create(CKA.CKA_SENSITIVE, true), f.Create(CKA.CKA_EXTRACTABLE, false),
            f.Create(CKA.CKA_LABEL, objectLabel), f.Create(CKA.CKA_ID, objectId),
        };
        IMechanism mechanism;
        if (keyAlgorithm == "rsa-2048")
        {
            publicTemplate.Add(f.Create(CKA.CKA_MODULUS_BITS, 2048UL));
            publicTemplate.Add(f.Create(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 0x01, 0x00, 0x01 }));
            mechanism = _factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        }
        else
        {
            publicTemplate.Add(f.Create(CKA.CKA_EC_PARAMS, X9ObjectIdentifiers.Prime256v1.GetDerEncoded()));
            mechanism = _factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN);
        }
        session.GenerateKeyPair(mechanism, publicTemplate, privateTemplate, out var publicKey, out _);

        if (keyAlgorithm == "rsa-2048")
        {
            var values = session.GetAttributeValue(publicKey, new List<CKA> { CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT });
            return new RsaKeyParameters(false,
                new BigInteger(1, values[0].GetValueAsByteArray()),
                new BigInteger(1, values[1].GetValueAsByteArray()));
        }
        var point = session.GetAttributeValue(publicKey, new List<CKA> { CKA.CKA_EC_POINT })[0].GetValueAsByteArray();
        // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point.
        var raw = Asn1OctetString.GetInstance(point).GetOctets();
        var curve = ECNamedCurveTable.GetByOid(X9ObjectIdentifiers.Prime256v1);
        return new ECPublicKeyParameters("EC", curve.Curve.DecodePoint(raw), X9ObjectIdentifiers.Prime256v1);
    }

    public void StoreCertificate(string tokenLabel, string userPin, X509Certificate certificate, string objectLabel, byte[] objectId)
    {
        using var session = OpenUserSession(tokenLabel, userPin);
        var f = _factories.ObjectAttributeFactory;
        session.CreateObject(new List<IObjectAttribute>
        {
            f.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE), f.Create(CKA.CKA_CERTIFICATE_TYPE, CKC.CKC_X_509),
            f.Create(CKA.CKA_TOKEN, true), f.Create(CKA.CKA_PRIVATE, false),
            f.Create(CKA.CKA_LABEL, objectLabel), f.Create(CKA.CKA_ID, objectId),
            f.Create(CKA.CKA_SUBJECT, certificate.SubjectDN.GetDerEncoded()),
            f.Create(CKA.CKA_ISSUER, certificate.IssuerDN.GetDerEncoded()),
            f.Create(CKA.CKA_SERIAL_NUMBER, new DerInteger(certificate.SerialNumber).GetDerEncoded()),
            f.Create(CKA.CKA_VALUE, certificate.GetEncoded()),
        });
    }

    private ISession OpenUserSession(string tokenLabel, string userPin)
    {
        var slot = Library.GetSlotList(SlotsType.WithTokenPresent)
                       .FirstOrDefault(s => s.GetTokenInfo().Label == tokenLabel)
                   ?? throw new WorldException($"token '{tokenLabel}' not found after initialisation");
        var session = slot.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_USER, userPin);
        return session;
    }

    public void Dispose() => _library?.Dispose();
}
