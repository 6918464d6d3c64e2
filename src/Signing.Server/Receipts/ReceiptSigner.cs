using System.Collections.Concurrent;
using System.Text.Json;
using Org.BouncyCastle.X509;
using Signing.Tokens;

namespace Signing.Server.Receipts;

/// <summary>
/// Signs submission receipts with the directorate's key on the server HSM token (PKCS#11), as detached CAdES-BES, so an
/// applicant can prove what was accepted and when (<c>openssl cms -verify -binary -content receipt.json</c>).
/// The token is logged in on first use with the PIN from the environment (Signing:ServerKey:PinEnvironmentVariable,
/// default SIGNING_SERVER_PIN); the PIN itself never passes through configuration or logs.
/// </summary>
public sealed class ReceiptSigner
{
    // One logged-in session per token per process (the token layer enforces it), shared by every host in the process.
    private static readonly ConcurrentDictionary<string, Lazy<(TokenSession Session, CadesSigner Signer)>> Sessions = new();

    private readonly string _label;
    private readonly string _pinVariable;
    private readonly IReadOnlyList<X509Certificate> _chain;

    public ReceiptSigner(IConfiguration configuration)
    {
        _label = configuration["Signing:ServerKey:Token"] ?? "server-mersin";
        _pinVariable = configuration["Signing:ServerKey:PinEnvironmentVariable"] ?? "SIGNING_SERVER_PIN";
        _chain = LoadChain(configuration);
    }

    public string TokenLabel => _label;

    // One signature at a time goes to the token anyway (its session is serialised); waiting here asynchronously keeps
    // the other callers off the token's lock, where they would spin and burn the CPU the rest of the server needs.
    private static readonly SemaphoreSlim Turn = new(1, 1);

    /// <summary>Detached CMS over the receipt document. Throws TokenException when the token is absent or the PIN is wrong.</summary>
    public byte[] Sign(byte[] document) => Signer().Signer.Sign(document, detached: true);

    /// <inheritdoc cref="Sign"/>
    public async Task<byte[]> SignAsync(byte[] document)
    {
        await Turn.WaitAsync();
        try
        {
            return Sign(document);
        }
        finally
        {
            Turn.Release();
        }
    }

    /// <summary>For the health check: the token is present and the key usable.</summary>
    public bool IsReady(out string? problem)
    {
        try
        {
            _ = Signer();
            problem = null;
            return true;
        }
        catch (TokenException e)
        {
            problem = e.Message;
            return false;
        }
    }

    private (TokenSession Session, CadesSigner Signer) Signer()
    {
        var lazy = Sessions.GetOrAdd(_label, label => new Lazy<(TokenSession, CadesSigner)>(() =>
        {
            var session = Pkcs11Module.Load().Login(label, PinSources.FromEnvironment(_pinVariable), new TokenOptions { SignWithSessionCopy = true });
            return (session, new CadesSigner(session.GetSigningKey(), new CadesOptions { ExtraCertificates = _chain }));
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed login (token absent, PIN not set) must not be cached for ever: the next call tries again.
            Sessions.TryRemove(new KeyValuePair<string, Lazy<(TokenSession, CadesSigner)>>(_label, lazy));
            throw;
        }
    }

    /// <summary>The issuing CA certificates to embed (so the receipt verifies against the root alone).</summary>
    private static IReadOnlyList<X509Certificate> LoadChain(IConfiguration configuration)
    {
        var path = configuration["Signing:ServerKey:ChainFile"];
        if (string.IsNullOrEmpty(path) && configuration["SIGNING_HSM_MANIFEST"] is { Length: > 0 } manifest && File.Exists(manifest))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            path = doc.RootElement.GetProperty("pki").GetProperty("nesSubCaCertificate").GetString();
        }
        if (string.IsNullOrEmpty(path))
            return [];
        using var stream = File.OpenRead(path);
        return new X509CertificateParser().ReadCertificates(stream).ToList();
    }
}
