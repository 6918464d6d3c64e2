using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Signing.HsmSim;
using Signing.TestKit;

namespace Signing.Foundation.Tests;

/// <summary>Every persona's token holds the manifest's certificate, and its private key really belongs to it.</summary>
[Collection(WorldCollection.Name)]
public sealed class PersonaTokenTests(HsmWorldFixture world)
{
    private static readonly Pkcs11InteropFactories Factories = new();

    public static IEnumerable<object[]> PersonaIds() => Personas.All();

    [Theory]
    [MemberData(nameof(PersonaIds))]
    public void Token_holds_the_manifest_certificate_and_its_key_signs_a_fresh_challenge(string id)
    {
        var persona = world.Persona(id);
        using var library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, world.Manifest.Pkcs11Module, AppType.MultiThreaded);
        var slot = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label == persona.TokenLabel);
        using var session = slot.OpenSession(SessionType.ReadOnly);
        session.Login(CKU.CKU_USER, persona.UserPin);
        var objectId = Convert.FromHexString(persona.ObjectIdHex);

        var certHandle = Assert.Single(session.FindAllObjects(new List<IObjectAttribute>
        {
            Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_CERTIFICATE),
            Factories.ObjectAttributeFactory.Create(CKA.CKA_ID, objectId),
        }));
        var der = session.GetAttributeValue(certHandle, new List<CKA> { CKA.CKA_VALUE })[0].GetValueAsByteArray();
        Assert.Equal(persona.CertificateSha256, Convert.ToHexStringLower(SHA256.HashData(der)));
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(persona.CertificatePath);
        Assert.Equal(der, certificate.RawData);

        var keyHandle = Assert.Single(session.FindAllObjects(new List<IObjectAttribute>
        {
            Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_PRIVATE_KEY),
            Factories.ObjectAttributeFactory.Create(CKA.CKA_ID, objectId),
        }));
        var keyAttributes = session.GetAttributeValue(keyHandle, new List<CKA> { CKA.CKA_EXTRACTABLE, CKA.CKA_SENSITIVE });
        Assert.False(keyAttributes[0].GetValueAsBool(), "the private key must not be extractable");
        Assert.True(keyAttributes[1].GetValueAsBool(), "the private key must be sensitive");

        var challenge = RandomNumberGenerator.GetBytes(32);
        if (persona.KeyAlgorithm == "rsa-2048")
        {
            var signature = session.Sign(Factories.MechanismFactory.Create(CKM.CKM_SHA256_RSA_PKCS), keyHandle, challenge);
            using var rsa = certificate.GetRSAPublicKey()!;
            Assert.True(rsa.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            challenge[0] ^= 1;
            Assert.False(rsa.VerifyData(challenge, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        else
        {
            // SoftHSM 2.6.1 has no CKM_ECDSA_SHA256: hash on the host, sign the hash; the result is r‖s.
            var signature = session.Sign(Factories.MechanismFactory.Create(CKM.CKM_ECDSA), keyHandle, SHA256.HashData(challenge));
            using var ecdsa = certificate.GetECDsaPublicKey()!;
            Assert.True(ecdsa.VerifyData(challenge, signature, HashAlgorithmName.SHA256));
            challenge[0] ^= 1;
            Assert.False(ecdsa.VerifyData(challenge, signature, HashAlgorithmName.SHA256));
        }
        session.Logout();
    }

    [Fact]
    public void A_wrong_pin_is_refused_by_the_token()
    {
        var persona = world.Persona("manager");
        using var library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, world.Manifest.Pkcs11Module, AppType.MultiThreaded);
        var slot = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label == persona.TokenLabel);
        using var session = slot.OpenSession(SessionType.ReadOnly);
        var error = Assert.Throws<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, "000000"));
        Assert.Equal(CKR.CKR_PIN_INCORRECT, error.RV);
        // Reset the failure counter so a later run of the same world starts clean.
        session.Login(CKU.CKU_USER, persona.UserPin);
        session.Logout();
    }
}
