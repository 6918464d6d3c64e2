using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Signing.Revocation;
using Signing.Tokens;

namespace Signing.Cli.Commands;

/// <summary>`esign sign FILE -o OUT.p7s [--tsa URL]`: a CAdES-BES signature made on the token, or CAdES-T with a TSA's timestamp.</summary>
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
        var tsa = new Option<string?>("--tsa")
        {
            Description = "Make it CAdES-T: ask this RFC 3161 timestamp authority for a timestamp over the signature value and " +
                          "add it, a trusted time proving the signature existed then (it stays verifiable after the certificate expires).",
            HelpName = "URL",
        };
        var tsaTimeout = new Option<double>("--tsa-timeout")
        {
            Description = "How long to wait for the timestamp authority, in seconds.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultTsaTimeout.TotalSeconds,
        };
        var json = TokenCli.JsonOption();
        var pinEnv = TokenCli.PinEnvOption();
        var pinStdin = TokenCli.PinStdinOption();
        var command = new Command("sign",
            "Sign FILE on the token: CAdES-BES (CMS with signing-certificate-v2, signing-time), attached unless --detached. " +
            "The signing certificate is the one with keyUsage nonRepudiation, unless --cert-label/--cert-id name another. " +
            "With --tsa URL it is CAdES-T: the signature also carries a TSA's timestamp over its value; if the TSA fails, nothing is written. " +
            "PIN: --pin-env NAME, --pin-stdin, else a prompt without echo. " + TokenCli.ExitCodeHelp)
        {
            file, output, detached, module, tokenLabel, certLabel, certId, pss, hostHash, chain, tsa, tsaTimeout, json, pinEnv, pinStdin,
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
                // Checked before the token is touched: a bad URL must not cost a PIN entry.
                var tsaOptions = TsaOptions(parse.GetValue(tsa), parse.GetValue(tsaTimeout));
                var pin = TokenCli.PinSource(parse.GetValue(pinEnv), parse.GetValue(pinStdin));

                var isDetached = parse.GetValue(detached);
                byte[] p7s;
                string tokenName;
                TokenCertificate entry;
                SignatureScheme scheme;
                // The token is logged out before the network is asked: a slow TSA must not hold the card.
                using (var session = Pkcs11Module.Load(parse.GetValue(module))
                           .Login(parse.GetValue(tokenLabel), pin, new TokenOptions { ForceHostHashing = parse.GetValue(hostHash) }))
                {
                    var key = session.GetSigningKey(parse.GetValue(certLabel), parse.GetValue(certId));
                    if (!key.Entry.NonRepudiation)
                        Console.Error.WriteLine($"esign: warning: certificate '{key.Entry.Label}' has no nonRepudiation key usage; it is not a qualified signing certificate");
                    scheme = parse.GetValue(pss)
                        ? (key.Algorithm == KeyAlgorithm.Rsa ? SignatureScheme.RsaPssSha256 : throw new UsageException("--pss needs an RSA key"))
                        : key.DefaultScheme;
                    // CA certificates the card carries (AKİS cards often hold the issuing CA) travel with the signature too.
                    extra.AddRange(session.Certificates.Where(c => c.Certificate.GetBasicConstraints() >= 0).Select(c => c.Certificate));
                    var distinct = extra.DistinctBy(c => Convert.ToHexString(c.GetEncoded())).Where(c => !c.Equals(key.Certificate)).ToList();
                    p7s = new CadesSigner(key, new CadesOptions { Scheme = scheme, ExtraCertificates = distinct }).Sign(content, isDetached);
                    tokenName = session.Label;
                    entry = key.Entry;
                }

                TimestampToken? stamp = null;
                if (tsaOptions is not null)
                    (p7s, stamp) = AddTimestamp(p7s, tsaOptions);
                WriteAtomically(outFile.FullName, p7s);

                var timestamp = stamp is null ? null : new
                {
                    time = stamp.GenTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    tsa = stamp.TsaUrl,
                    tsaName = TsaName(stamp),
                    serial = stamp.SerialNumber.ToString(16),
                    policy = stamp.Policy,
                };
                if (asJson)
                    Console.Out.WriteLine(JsonSerializer.Serialize(new
                    {
                        output = outFile.FullName,
                        bytes = p7s.Length,
                        detached = isDetached,
                        token = tokenName,
                        certificate = new { label = entry.Label, id = entry.IdHex, subject = entry.Subject },
                        scheme = scheme.ToString(),
                        format = stamp is null ? "CAdES-BES" : "CAdES-T",
                        timestamp,
                    }, TokenCli.Json));
                else
                {
                    Console.Out.WriteLine($"Signed {input.Name} with '{entry.Subject}' on token '{tokenName}' ({scheme}, {(isDetached ? "detached" : "attached")}): {outFile.FullName}");
                    if (timestamp is not null)
                        Console.Out.WriteLine($"Timestamped (CAdES-T) at {timestamp.time} by {timestamp.tsaName ?? "the TSA"} ({timestamp.tsa}), serial {timestamp.serial}");
                }
                return TokenCli.ExitCodes.Ok;
            });
        });
        return command;
    }

    /// <summary>The TSA client's own default, so the help and the client agree.</summary>
    private static readonly TimeSpan DefaultTsaTimeout = new RevocationFetchOptions().TsaTimeout;

    /// <summary>The fetch options for --tsa, or null without it; a usage error for a URL or timeout the client would refuse.</summary>
    private static RevocationFetchOptions? TsaOptions(string? url, double timeoutSeconds)
    {
        if (url is null)
            return null;
        if (double.IsNaN(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600)
            throw new UsageException($"--tsa-timeout must be more than 0 and at most 3600 seconds (it is {timeoutSeconds.ToString(CultureInfo.InvariantCulture)})");
        var options = new RevocationFetchOptions { TsaUrl = url, TsaTimeout = TimeSpan.FromSeconds(timeoutSeconds) };
        if (options.Validate() is { Count: > 0 } problems)
            throw new UsageException("--tsa: " + string.Join(" ", problems));
        return options;
    }

    /// <summary>CAdES-T: the signer's signature value timestamped by the TSA, the token added as an unsigned attribute.</summary>
    private static (byte[] Cms, TimestampToken Stamp) AddTimestamp(byte[] cms, RevocationFetchOptions options)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // the client enforces TsaTimeout itself
        var client = new TimestampClient(http, options);
        TimestampToken? granted = null;
        try
        {
            var stamped = SignatureTimestamps.AddAsync(cms, async (signatureValue, ct) =>
            {
                granted = await client.StampDigestAsync(SHA256.HashData(signatureValue), ct);
                return granted.Der;
            }).GetAwaiter().GetResult();
            return (stamped, granted!);
        }
        catch (FetchException e)
        {
            throw new TimestampFailedException(
                $"timestamp authority {e.Url} failed ({Describe(e.Failure)}): {e.Reason}; no signature was written", e);
        }
    }

    private static string Describe(FetchFailure failure) => failure switch
    {
        FetchFailure.Network => "unreachable",
        FetchFailure.Timeout => "timed out",
        FetchFailure.HttpStatus => "refused",
        FetchFailure.ContentType or FetchFailure.Malformed or FetchFailure.TooLarge => "not a timestamp reply",
        FetchFailure.TimestampRejected => "no token granted",
        _ => failure.ToString(),
    };

    /// <summary>The TSA certificate's subject as the token carries it (certReq is always sent), else null.</summary>
    private static string? TsaName(TimestampToken stamp)
    {
        var token = new Org.BouncyCastle.Tsp.TimeStampToken(new Org.BouncyCastle.Cms.CmsSignedData(stamp.Der));
        return token.GetCertificates().EnumerateMatches(token.SignerID).FirstOrDefault()?.SubjectDN.ToString();
    }

    /// <summary>All or nothing: a reader of OUT never sees a partial file, and a failure leaves an existing OUT as it was.</summary>
    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
