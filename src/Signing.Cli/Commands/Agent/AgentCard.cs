using Org.BouncyCastle.X509;
using Signing.Tokens;

namespace Signing.Cli.Commands.Agent;

/// <summary>
/// The officer's card as the agent uses it: read without a PIN for /v1/hello and the prompt, logged in for one signature
/// and logged out again, so a PIN opens the card for exactly the request the person saw.
/// </summary>
internal sealed class AgentCard(string? modulePath, string? label)
{
    public string Describe(X509Certificate? certificate) =>
        $"{label ?? "(the only card present / takılı tek kart)"}{(certificate is null ? "" : " — " + Subject(certificate))}";

    /// <summary>The subject with the TCKN of its serialNumber masked: the screen and the log may be seen by others.</summary>
    public static string Subject(X509Certificate certificate) => Signing.Domain.Tckn.MaskAll(certificate.SubjectDN.ToString());

    /// <summary>The card's signing certificate, or null when no card (or no certificate) is there.</summary>
    public X509Certificate? Certificate()
    {
        try
        {
            var certificates = Pkcs11Module.Load(modulePath).ListCertificates(label);
            return certificates.Where(c => c.NonRepudiation).OrderByDescending(c => c.NotAfterUtc).FirstOrDefault()?.Certificate
                ?? certificates.FirstOrDefault()?.Certificate;
        }
        catch (TokenException)
        {
            return null;
        }
    }

    /// <summary>A detached CAdES-BES over the bytes, made on the card with the signer every `esign` command uses.</summary>
    public (byte[] Cms, byte[] Certificate) Sign(byte[] content, IPinSource pin)
    {
        try
        {
            using var token = Pkcs11Module.Load(modulePath).Login(label, pin);
            var key = token.GetSigningKey();
            return (new CadesSigner(key).Sign(content, detached: true), key.Certificate.GetEncoded());
        }
        catch (TokenException e)
        {
            throw new AgentRequestException(Map(e));
        }
    }

    private static AgentError Map(TokenException e) => e switch
    {
        WrongPinException w => AgentError.Token($"wrong PIN for the card ({w.Tries.Describe()}); nothing was signed",
            "kartın PIN'i yanlış; hiçbir şey imzalanmadı" + (w.Tries.FinalTry ? " (son deneme hakkı kaldı)" : "")),
        PinLockedException => AgentError.Token("the card's PIN is locked; nothing was signed", "kartın PIN'i bloke; hiçbir şey imzalanmadı"),
        PinNotProvidedException => AgentError.Token("no PIN was given to the agent; nothing was signed", "araca PIN verilmedi; hiçbir şey imzalanmadı"),
        NoTokenException or TokenRemovedException => AgentError.Token("no card in the reader (or not the configured one): " + e.Message,
            "kart okuyucuda kart yok (ya da tanımlı kart değil)"),
        _ => AgentError.Token("the card could not sign: " + e.Message, "kart imzalayamadı: " + e.Kind),
    };
}
