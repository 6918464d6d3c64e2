using System.Diagnostics;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Signing.HsmSim;
using Signing.TestKit;
using Signing.Tokens;

namespace Signing.Tokens.Tests;

/// <summary>
/// Every PKCS#11 test lives in this one collection: one module instance per process, and tests that log in to the
/// same persona token must not overlap (a token has one logged-in holder per process).
/// </summary>
[CollectionDefinition(Name)]
public sealed class TokenCollection : ICollectionFixture<TokenWorld>
{
    public const string Name = "pkcs11 tokens";
}

public sealed class TokenWorld : IDisposable
{
    public HsmWorldFixture Hsm { get; } = new();
    public Pkcs11Module Module { get; }
    public WorldManifest Manifest => Hsm.Manifest;
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("tokens-tests-").FullName;

    /// <summary>Root + NES sub-CA in one file: OpenSSL 3.0's cms -verify has no -untrusted, and ignores -certfile.</summary>
    public string ChainFile { get; }

    public TokenWorld()
    {
        Module = Pkcs11Module.Load(Manifest.Pkcs11Module);
        ChainFile = Path.Combine(WorkDirectory, "chain.pem");
        File.WriteAllText(ChainFile, File.ReadAllText(Manifest.Pki.RootCertificate) + File.ReadAllText(Manifest.Pki.NesSubCaCertificate));
    }

    public WorldPersona Persona(string id) => Manifest.Persona(id);

    // The module stays loaded (process-wide, see Pkcs11Module); only the files this run wrote go.
    public void Dispose() => Directory.Delete(WorkDirectory, recursive: true);

    /// <summary>Logs in to a persona's token with its PIN.</summary>
    public TokenSession Login(string personaId, TokenOptions? options = null)
    {
        var persona = Persona(personaId);
        // Not disposed: the session keeps its PIN source for a re-login after a (simulated) reinsertion.
        return Module.Login(persona.TokenLabel, PinSources.FromSecret(persona.UserPin), options);
    }

    /// <summary>The persona's key: the automatic pick, or by CKA_ID for personas whose certificate the pick refuses.</summary>
    public SigningKey KeyOf(TokenSession session, WorldPersona persona) =>
        persona.NoNonRepudiation ? session.GetSigningKey(idHex: persona.ObjectIdHex) : session.GetSigningKey();

    public string WriteTemp(string name, byte[] bytes)
    {
        var path = Path.Combine(WorkDirectory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// The independent verifier: openssl cms -verify -cades (which also checks signing-certificate-v2) against the test
    /// root. Expired persona certificates are checked at a time inside their validity (-attime), as the signature itself
    /// is what is under test here.
    /// </summary>
    public (int ExitCode, string Output) OpenSslVerify(WorldPersona persona, byte[] p7s, byte[]? detachedContent, string name)
    {
        var p7sPath = WriteTemp(name + ".p7s", p7s);
        var args = new List<string>
        {
            "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7sPath,
            "-CAfile", ChainFile,
            "-purpose", "any", "-out", "/dev/null",
        };
        if (detachedContent is not null)
        {
            args.Add("-content");
            args.Add(WriteTemp(name + ".content", detachedContent));
        }
        if (persona.NotAfter < DateTimeOffset.UtcNow)
        {
            args.Add("-attime");
            args.Add(persona.NotAfter.AddDays(-1).ToUnixTimeSeconds().ToString());
        }
        return Run("openssl", args);
    }

    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The encapsulated content of an attached CMS.</summary>
    public static byte[] ContentOf(byte[] p7s)
    {
        var content = new CmsSignedData(p7s).SignedContent ?? throw new InvalidOperationException("detached CMS");
        using var buffer = new MemoryStream();
        content.Write(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// BouncyCastle check: exactly one signer, the signature verifies with the certificate's public key (not
    /// Verify(cert), which would also judge the validity period), and the four CAdES-BES signed attributes are there
    /// with signing-certificate-v2 bound to the certificate in the CMS.
    /// </summary>
    public static X509Certificate BouncyCastleVerify(byte[] p7s, byte[]? detachedContent)
    {
        var cms = detachedContent is null ? new CmsSignedData(p7s) : new CmsSignedData(new CmsProcessableByteArray(detachedContent), p7s);
        var signers = cms.GetSignerInfos().GetSigners();
        Assert.Single(signers);
        var signer = signers.First();
        var certificate = Assert.Single(cms.GetCertificates().EnumerateMatches(signer.SignerID));
        Assert.True(signer.Verify(certificate.GetPublicKey()), "signature does not verify with the certificate's public key");

        var attributes = signer.SignedAttributes;
        Assert.NotNull(attributes[CmsAttributes.ContentType]);
        Assert.NotNull(attributes[CmsAttributes.MessageDigest]);
        Assert.NotNull(attributes[CmsAttributes.SigningTime]);
        var v2 = attributes[PkcsObjectIdentifiers.IdAASigningCertificateV2];
        Assert.NotNull(v2);
        var essCertId = SigningCertificateV2.GetInstance(v2.AttrValues[0]).GetCerts()[0];
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(certificate.GetEncoded()), essCertId.GetCertHash());
        return certificate;
    }
}
