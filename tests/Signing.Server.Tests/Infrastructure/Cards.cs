using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Signing.Contracts.V1;
using Signing.TestKit;
using Signing.Tokens;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>
/// The personas' smart cards (SoftHSM tokens of the hsm-sim world): one logged-in session per token for the whole
/// test process, as the token layer requires; every signature the tests send is made on a real token.
/// </summary>
public static class Cards
{
    private static readonly Lazy<Signing.HsmSim.WorldManifest> World = new(LocalWorld.LoadManifest);
    private static readonly ConcurrentDictionary<string, Lazy<SigningKey>> Keys = new();

    public static Signing.HsmSim.WorldManifest Manifest => World.Value;

    public static SigningKey Key(string persona) => Keys.GetOrAdd(persona, id => new Lazy<SigningKey>(() =>
    {
        Signing.HsmSim.SoftHsmEnvironment.EnsureConf(Manifest.SoftHsm2Conf);
        var p = Manifest.Persona(id);
        return Pkcs11Module.Load().Login(p.TokenLabel, PinSources.FromSecret(p.UserPin)).GetSigningKey();
    })).Value;

    public static byte[] CertificateDer(string persona) => Key(persona).Certificate.GetEncoded();

    public static string Tckn(string persona) => Manifest.Persona(persona).Tckn!;

    public static byte[] Sign(string persona, byte[] content, bool detached = false) => new CadesSigner(Key(persona)).Sign(content, detached);

    public static byte[] Prove(string persona, byte[] nonce) => new ProofOfPossession(Key(persona)).Sign(nonce);

    /// <summary>Signs in with the persona's card: challenge → proof of possession → SignIn → bearer headers.</summary>
    public static async Task<Metadata> SignInAsync(this SigningServer server, string persona)
    {
        var certificates = new CertificateService.CertificateServiceClient(server.Channel);
        var challenge = await certificates.CreateChallengeAsync(new CreateChallengeRequest());
        var session = new SessionService.SessionServiceClient(server.Channel);
        var response = await session.SignInAsync(new SignInRequest
        {
            ChallengeId = challenge.ChallengeId,
            ProofOfPossession = ByteString.CopyFrom(Prove(persona, challenge.Nonce.ToByteArray())),
        });
        return new Metadata { { "authorization", "Bearer " + response.AccessToken } };
    }

    /// <summary>
    /// Bearer headers of a session the server would have issued (its configured token key) without a sign-in: for tests
    /// where nobody can sign in just now.
    /// </summary>
    public static Metadata IssuedSession(string tckn, string name, string role, string? tenant)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder();
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(configuration,
            new Dictionary<string, string?> { ["Signing:Auth:TokenKey"] = SigningServer.TokenKey });
        var caller = new Signing.Server.Auth.Caller(tckn, name, new HashSet<string> { role }, tenant);
        var (token, _) = new Signing.Server.Auth.SessionTokens(configuration.Build(), TimeProvider.System).Issue(caller);
        return new Metadata { { "authorization", "Bearer " + token } };
    }

    /// <summary>A complete, valid renewal form for the persona (name and TCKN from the world).</summary>
    public static ApplicationForm Form(string persona, string tenant, ApplicantCategory category)
    {
        var p = Manifest.Persona(persona);
        var words = p.Name.Split(' ');
        return new ApplicationForm
        {
            Tenant = tenant,
            Tckn = p.Tckn!,
            GivenNames = string.Join(' ', words[..^1]),
            Surname = words[^1],
            Category = category,
            Reason = "YENİLEME",
            CertificateKind = "NES",
            TermYears = 3,
            Email = persona + "@example.invalid",
            Phone = "+90 324 000 00 00",
            DeliveryAddress = "Çamlıbel Mah. 1. Sok. No:1, Yenişehir/Mersin",
            Institution = "Mersin Şehir Hastanesi",
        };
    }

    public static byte[] Json(ApplicationForm form) => Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(form));

    /// <summary>The form e-signed (attached CAdES) on the persona's card, ready to submit.</summary>
    public static SubmitESignedRequest ESigned(string persona, ApplicationForm form, string? requestId = null) => new()
    {
        Cms = ByteString.CopyFrom(Sign(persona, Json(form))),
        ClientRequestId = requestId ?? Guid.NewGuid().ToString("N"),
    };
}
