using System.CommandLine;
using System.Text.Json;
using Signing.Tokens;

namespace Signing.Cli.Commands;

/// <summary>`esign sign FILE -o OUT.p7s`: a CAdES-BES signature made on the token.</summary>
public static class SignCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The file to sign (e.g. the application form)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the signature (DER .p7s).", Required = true };
        var detached = new Option<bool>("--detached") { Description = "Leave the content out of the .p7s (verify with the file beside it)." };
        var module = TokenCli.ModuleOption();
        var tokenLabel = TokenCli.TokenOption();
        var certLabel = new Option<string?>("--cert-label") { Description = "Sign with the certificate of this CKA_LABEL instead of the automatic pick." };
        var certId = new Option<string?>("--cert-id") { Description = "Sign with the certificate of this CKA_ID (hex) instead of the automatic pick.", HelpName = "HEX" };
        var pss = new Option<bool>("--pss") { Description = "RSA-PSS instead of PKCS#1 v1.5 (RSA keys)." };
        var hostHash = new Option<bool>("--host-hash") { Description = "Hash on this computer and sign with CKM_RSA_PKCS / CKM_RSA_PKCS_PSS (cards without hashed RSA mechanisms)." };
        var chain = new Option<FileInfo[]>("--chain")
        {
            Description = "PEM/DER file(s) of CA certificates to put in the signature (e.g. the NES sub-CA), so a verifier holding only the root can build the chain. CA certificates found on the token are included anyway.",
            HelpName = "FILE",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = TokenCli.JsonOption();
        var pinEnv = TokenCli.PinEnvOption();
        var pinStdin = TokenCli.PinStdinOption();
        var command = new Command("sign",
            "Sign FILE on the token: CAdES-BES (CMS with signing-certificate-v2, signing-time), attached unless --detached. " +
            "The signing certificate is the one with keyUsage nonRepudiation, unless --cert-label/--cert-id name another. " +
            "PIN: --pin-env NAME, --pin-stdin, else a prompt without echo. " + TokenCli.ExitCodeHelp)
        {
            file, output, detached, module, tokenLabel, certLabel, certId, pss, hostHash, chain, json, pinEnv, pinStdin,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            return TokenCli.Run(asJson, () =>
            {
                var input = parse.GetValue(file)!;
                var outFile = parse.GetValue(output)!;
                if (!input.Exists)
                    throw new UsageException($"file not found: {input.FullName}");
                var content = File.ReadAllBytes(input.FullName);
                var extra = new List<Org.BouncyCastle.X509.X509Certificate>();
                foreach (var chainFile in parse.GetValue(chain) ?? [])
                {
                    if (!chainFile.Exists)
                        throw new UsageException($"file not found: {chainFile.FullName}");
                    using var stream = chainFile.OpenRead();
                    extra.AddRange(new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificates(stream));
                }
                var pin = TokenCli.PinSource(parse.GetValue(pinEnv), parse.GetValue(pinStdin));

                var loaded = Pkcs11Module.Load(parse.GetValue(module));
                using var session = loaded.Login(parse.GetValue(tokenLabel), pin, new TokenOptions { ForceHostHashing = parse.GetValue(hostHash) });
                var key = session.GetSigningKey(parse.GetValue(certLabel), parse.GetValue(certId));
                if (!key.Entry.NonRepudiation)
                    Console.Error.WriteLine($"esign: warning: certificate '{key.Entry.Label}' has no nonRepudiation key usage; it is not a qualified signing certificate");
                var scheme = parse.GetValue(pss)
                    ? (key.Algorithm == KeyAlgorithm.Rsa ? SignatureScheme.RsaPssSha256 : throw new UsageException("--pss needs an RSA key"))
                    : key.DefaultScheme;
                var isDetached = parse.GetValue(detached);
                // CA certificates the card carries (AKİS cards often hold the issuing CA) travel with the signature too.
                extra.AddRange(session.Certificates.Where(c => c.Certificate.GetBasicConstraints() >= 0).Select(c => c.Certificate));
                var distinct = extra.DistinctBy(c => Convert.ToHexString(c.GetEncoded())).Where(c => !c.Equals(key.Certificate)).ToList();
                var p7s = new CadesSigner(key, new CadesOptions { Scheme = scheme, ExtraCertificates = distinct }).Sign(content, isDetached);
                File.WriteAllBytes(outFile.FullName, p7s);

                if (asJson)
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        output = outFile.FullName,
                        bytes = p7s.Length,
                        detached = isDetached,
                        token = session.Label,
                        certificate = new { label = key.Entry.Label, id = key.Entry.IdHex, subject = key.Entry.Subject },
                        scheme = scheme.ToString(),
                    }, TokenCli.Json));
                else
                    Console.Out.WriteLine($"Signed {input.Name} with '{key.Entry.Subject}' on token '{session.Label}' ({scheme}, {(isDetached ? "detached" : "attached")}): {outFile.FullName}");
                return TokenCli.ExitCodes.Ok;
            });
        });
        return command;
    }
}
