using Net.Pkcs11Interop.Common;
using Signing.TestKit;

namespace Signing.Tokens.Tests;

[Collection(TokenCollection.Name)]
public sealed class TokenDiscoveryTests(TokenWorld world)
{
    [Theory]
    [MemberData(nameof(Personas.All), MemberType = typeof(Personas))]
    public void Every_persona_token_is_found_by_label_with_its_flags(string personaId)
    {
        var persona = world.Persona(personaId);
        var token = Assert.Single(world.Module.ListTokens(), t => t.Label == persona.TokenLabel);
        Assert.True(token.TokenPresent);
        Assert.False(string.IsNullOrWhiteSpace(token.SerialNumber));
        Assert.Equal("SoftHSM project", token.Manufacturer);
        Assert.True(token.Flags!.LoginRequired);
        Assert.True(token.Flags.UserPinInitialized);
        Assert.False(token.Flags.UserPinLocked);
    }

    [Theory]
    [MemberData(nameof(Personas.All), MemberType = typeof(Personas))]
    public void Certificates_are_listed_without_login_with_their_key_pair_by_CKA_ID(string personaId)
    {
        var persona = world.Persona(personaId);
        var certificate = Assert.Single(world.Module.ListCertificates(persona.TokenLabel));
        Assert.Equal(persona.ObjectLabel, certificate.Label);
        Assert.Equal(persona.ObjectIdHex, certificate.IdHex);
        Assert.True(certificate.HasPublicKey);
        Assert.Null(certificate.HasPrivateKey); // private keys are private objects: unknown before login
        Assert.Equal(persona.SerialNumberHex, certificate.Certificate.SerialNumber.ToString(16));
        Assert.Equal(persona.KeyAlgorithm == "rsa-2048" ? "RSA-2048" : "EC P-256", certificate.KeyDescription);
        Assert.Equal(!persona.NoNonRepudiation, certificate.NonRepudiation);
    }

    [Fact]
    public void After_login_the_private_key_is_seen()
    {
        using var session = world.Login("doctor");
        var certificate = Assert.Single(session.Certificates);
        Assert.True(certificate.HasPrivateKey);
        Assert.Contains(CKM.CKM_SHA256_RSA_PKCS, session.Mechanisms);
    }

    [Fact]
    public void An_unknown_label_is_NoToken()
    {
        var e = Assert.Throws<NoTokenException>(() => world.Module.ListCertificates("no-such-token"));
        Assert.Equal(TokenErrorKind.NoToken, e.Kind);
        Assert.Contains("no-such-token", e.Message);
    }

    [Fact]
    public void Without_a_label_several_tokens_are_NoToken_listing_the_labels()
    {
        var e = Assert.Throws<NoTokenException>(() => world.Module.ListCertificates(null));
        Assert.Contains("--token", e.Message);
        Assert.Contains("doctor", e.Message);
    }

    [Fact]
    public void A_missing_module_is_ModuleNotFound()
    {
        var e = Assert.Throws<ModuleNotFoundException>(() => Pkcs11Module.Load("/nonexistent/libakisp11.so"));
        Assert.Equal(TokenErrorKind.ModuleNotFound, e.Kind);
        Assert.Equal("/nonexistent/libakisp11.so", e.ModulePath);
    }

    [Fact]
    public void A_file_that_is_not_a_PKCS11_module_is_ModuleNotFound()
    {
        var notAModule = world.WriteTemp("not-a-module.so", "not an ELF file"u8.ToArray());
        Assert.Throws<ModuleNotFoundException>(() => Pkcs11Module.Load(notAModule));
    }

    [Fact]
    public void The_module_is_loaded_once_per_process()
    {
        Assert.Same(world.Module, Pkcs11Module.Load(world.Manifest.Pkcs11Module));
        Assert.Contains("SoftHSM", world.Module.Description);
    }

    [Fact]
    public void The_usual_module_paths_name_SoftHSM_AKIS_and_OpenSC()
    {
        var paths = Pkcs11Module.UsualPaths.Select(p => p.Path).ToList();
        Assert.Contains("/usr/lib/softhsm/libsofthsm2.so", paths);
        Assert.Contains("/usr/lib/libakisp11.so", paths);
        Assert.Contains("akisp11.dll", paths);
        Assert.Contains("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", paths);
    }
}
