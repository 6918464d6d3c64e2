using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using AttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Signing.HsmSim;

/// <summary>
/// Issues e-Onay confirmations for tests and demos: the JSON document the verification engine expects
/// (Signing.Verification.EOnayConfirmation), CAdES-BES signed (attached) by the world's e-Onay issuer key.
/// </summary>
public static class EOnayIssuer
{
    public static byte[] Issue(X509Certificate issuer, AsymmetricKeyParameter key, string tckn, string? applicationId,
        string? formSha256, DateTimeOffset confirmedAt, string? nonce = null)
    {
        var document = new JsonObject
        {
            ["type"] = "e-onay-confirmation",
            ["version"] = 1,
            ["tckn"] = tckn,
            ["confirmedAt"] = confirmedAt.UtcDateTime.ToString("O"),
            ["nonce"] = nonce ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        };
        if (applicationId is not null)
            document["applicationId"] = applicationId;
        if (formSha256 is not null)
            document["formSha256"] = formSha256.ToLowerInvariant();
        var content = JsonSerializer.SerializeToUtf8Bytes(document);

        // CAdES-BES: signing-certificate-v2 binds the issuer certificate; signing time is the confirmation time.
        var essId = new EssCertIDv2(SHA256.HashData(issuer.GetEncoded()),
            new IssuerSerial(new GeneralNames(new GeneralName(issuer.IssuerDN)), new DerInteger(issuer.SerialNumber)));
        var signed = new AttributeTable(new Asn1EncodableVector(
            new Attribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(new SigningCertificateV2(essId))),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Org.BouncyCastle.Asn1.Cms.Time(confirmedAt.UtcDateTime)))));
        var generator = new CmsSignedDataGenerator();
        generator.AddSigner(key, issuer, CmsSignedGenerator.DigestSha256, signed, null);
        generator.AddCertificate(issuer);
        return generator.Generate(new CmsProcessableByteArray(content), true).GetEncoded();
    }

    /// <summary>Issues with the e-Onay issuer certificate and key named in the world's manifest.</summary>
    public static byte[] Issue(WorldManifest manifest, string tckn, string? applicationId, string? formSha256,
        DateTimeOffset confirmedAt, string? nonce = null)
    {
        var cert = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(manifest.Pki.EOnayIssuerCertificate));
        using var reader = new StreamReader(manifest.Pki.EOnayIssuerKey);
        var key = new PemReader(reader).ReadObject() switch
        {
            AsymmetricKeyParameter k => k,
            AsymmetricCipherKeyPair pair => pair.Private,
            _ => throw new WorldException($"{manifest.Pki.EOnayIssuerKey} is not a private key"),
        };
        return Issue(cert, key, tckn, applicationId, formSha256, confirmedAt, nonce);
    }
}
