using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;

namespace Signing.HsmSim.Tests;

/// <summary>OCSP requests built with BouncyCastle (the engine's side of the wire).</summary>
public static class OcspRequests
{
    public static byte[] For(WorldManifest manifest, string personaId, byte[]? nonce)
    {
        var issuer = CertificateUrlTests.Read(manifest.Pki.NesSubCaCertificate);
        var cert = CertificateUrlTests.Read(manifest.Persona(personaId).CertificatePath);
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(CertificateID.DigestSha1, issuer, cert.SerialNumber));
        if (nonce is not null)
        {
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new(false, new DerOctetString(new DerOctetString(nonce))),
            }));
        }
        return generator.Generate().GetEncoded();
    }
}
