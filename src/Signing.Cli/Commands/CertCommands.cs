using System.CommandLine;
using Signing.Verification;

namespace Signing.Cli.Commands;

/// <summary>
/// `esign cert verify`, `esign cms verify` and `esign cms verify-receipt`: the verification engine for people and
/// scripts, with the RFC 5280 inputs `openssl verify` takes. Exit code 0 only for TOTAL_PASSED; 1 TOTAL_FAILED; 2 INDETERMINATE; 3 bad usage
/// or unreadable files. --json prints the verdict object.
/// </summary>
public static class CertCommands
{
    public const int Passed = 0, Failed = 1, Indeterminate = 2, UsageError = 3;

    /// <summary>The `cert` group (with `verify`); pass writers to capture output (tests), else the console is used.</summary>
    public static Command Create(TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var cert = new Command("cert", "Certificates: verify a path to the configured trust anchors and the holder's status.");
        var verify = new Command("verify", "Validate a certificate (RFC 5280 path, CRLs, qualified NES profile) and show the holder status.");
        var file = new Argument<FileInfo>("CERT") { Description = "The certificate (PEM or DER)." };
        verify.Arguments.Add(file);
        var common = new CommonOptions(verify);
        verify.SetAction(parse => common.Run(parse, stdout, stderr, (trust, options) =>
            new CertificateValidator(trust).Validate(File.ReadAllBytes(parse.GetValue(file)!.FullName), options)));
        cert.Subcommands.Add(verify);
        return cert;
    }

    /// <summary>The `cms` group (with `verify`).</summary>
    public static Command CreateCms(TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var cms = new Command("cms", "CMS / CAdES-BES signatures, and the signed receipts of submissions.");
        var verify = new Command("verify", "Verify a CMS/CAdES-BES or CAdES-T signature (attached, or detached with --content) and its signer certificate; " +
            "a verified signature timestamp is the time the certificate is judged at.");
        var file = new Argument<FileInfo>("FILE") { Description = "The signature (DER or PEM)." };
        var content = new Option<FileInfo?>("--content") { Description = "The signed content of a detached signature." };
        verify.Arguments.Add(file);
        verify.Options.Add(content);
        var common = new CommonOptions(verify);
        verify.SetAction(parse => common.Run(parse, stdout, stderr, (trust, options) =>
            new CmsVerifier(trust).Verify(File.ReadAllBytes(parse.GetValue(file)!.FullName),
                parse.GetValue(content) is { } c ? File.ReadAllBytes(c.FullName) : null, options)));
        cms.Subcommands.Add(verify);
        cms.Subcommands.Add(VerifyReceipt(stdout, stderr));
        return cms;
    }

    /// <summary>`esign cms verify-receipt`: a submission receipt saved by `esign apply --receipt-out`, checked offline.</summary>
    private static Command VerifyReceipt(TextWriter? stdout, TextWriter? stderr)
    {
        var command = new Command("verify-receipt",
            "Check a submission receipt saved by `esign apply --receipt-out`: the directorate's signature (an attached CMS over the " +
            "receipt batch), that its signer is the directorate's receipt certificate (--receipt-signer, or receiptSigners in " +
            "--trust-config) and that the batch lists this receipt's SHA-256. Give the directorate's root with --trust-anchor. " +
            "Exit 0 only when all hold.");
        var document = new Argument<FileInfo>("RECEIPT") { Description = "The receipt document, exactly as saved (RECEIPT.json)." };
        var signature = new Option<FileInfo?>("--signature") { Description = "The receipt's signature (CMS, DER or PEM); default: RECEIPT with the extension .p7s." };
        var signers = new Option<string[]>("--receipt-signer")
        {
            Description = "The directorate's receipt certificate, as it publishes it: its SHA-256 fingerprint (hex, colons allowed) " +
                          "or the certificate file (PEM/DER); repeatable. Without one (here or in --trust-config) no receipt passes.",
        };
        command.Arguments.Add(document);
        command.Options.Add(signature);
        command.Options.Add(signers);
        // The directorate's receipt key is not a personal NES: RFC 5280 only unless asked otherwise.
        var common = new CommonOptions(command, defaultProfile: "none");
        command.SetAction(parse => common.Run(parse, stdout, stderr, (trust, options) =>
        {
            var documentFile = parse.GetValue(document)!;
            var signatureFile = parse.GetValue(signature) ?? new FileInfo(Path.ChangeExtension(documentFile.FullName, ".p7s"));
            var pinned = trust.WithReceiptSigners([.. trust.ReceiptSigners, .. (parse.GetValue(signers) ?? []).SelectMany(ReceiptPins)]);
            return new ReceiptVerifier(new CmsVerifier(pinned)).Verify(File.ReadAllBytes(documentFile.FullName),
                File.ReadAllBytes(signatureFile.FullName), options);
        }));
        return command;
    }

    /// <summary>A --receipt-signer value: a fingerprint as given, or the fingerprint of each certificate in the file it names.</summary>
    private static IEnumerable<string> ReceiptPins(string value) =>
        File.Exists(value) ? ParsedCertificate.FromFile(value).Select(c => c.Sha256)
        : TrustConfiguration.IsSha256(value) ? [value]
        : throw new FormatException($"--receipt-signer: '{value}' is neither a SHA-256 fingerprint (64 hex digits) nor a certificate file");

    private sealed class CommonOptions
    {
        private readonly Option<FileInfo?> trustConfig = new("--trust-config") { Description = "A trust configuration file (JSON: anchors, intermediates, CRLs, NES policy OIDs)." };
        private readonly Option<FileInfo[]> anchors = new("--trust-anchor") { Description = "A trusted root (PEM/DER); repeatable." };
        private readonly Option<FileInfo[]> intermediates = new("--intermediate") { Description = "An untrusted intermediate certificate; repeatable." };
        private readonly Option<FileInfo[]> crls = new("--crl") { Description = "A CRL (DER/PEM); repeatable." };
        private readonly Option<DateTimeOffset?> at = new("--at") { Description = "Validation time (ISO 8601); default: now." };
        private readonly Option<string> profile = new("--profile")
        {
            Description = "none (RFC 5280 only, legacy algorithms accepted) or kamusm-nes (qualified NES).",
            DefaultValueFactory = _ => QualifiedProfile.Name,
        };
        private readonly Option<bool> requireRevocation = new("--require-revocation") { Description = "Fail when a certificate has no usable, fresh CRL." };
        private readonly Option<string[]> policies = new("--policy") { Description = "user-initial-policy-set OID; repeatable (default anyPolicy)." };
        private readonly Option<bool> explicitPolicy = new("--explicit-policy") { Description = "initial-explicit-policy." };
        private readonly Option<bool> inhibitMapping = new("--inhibit-policy-mapping") { Description = "initial-policy-mapping-inhibit." };
        private readonly Option<bool> inhibitAny = new("--inhibit-any-policy") { Description = "initial-any-policy-inhibit." };
        private readonly Option<string?> tckn = new("--expected-tckn") { Description = "The TCKN the certificate must belong to." };
        private readonly Option<bool> json = new("--json") { Description = "Print the verdict as JSON." };

        public CommonOptions(Command command, string defaultProfile = QualifiedProfile.Name)
        {
            profile.DefaultValueFactory = _ => defaultProfile;
            profile.AcceptOnlyFromAmong("none", QualifiedProfile.Name);
            foreach (var o in new Option[] { trustConfig, anchors, intermediates, crls, at, profile, requireRevocation, policies,
                         explicitPolicy, inhibitMapping, inhibitAny, tckn, json })
                command.Options.Add(o);
        }

        public int Run(ParseResult parse, TextWriter? stdout, TextWriter? stderr, Func<TrustConfiguration, VerificationOptions, Verdict> verify)
        {
            var output = stdout ?? Console.Out;
            var error = stderr ?? Console.Error;
            TrustConfiguration trust;
            VerificationOptions options;
            try
            {
                var baseTrust = parse.GetValue(trustConfig) is { } f ? TrustConfiguration.Load(f.FullName) : new TrustConfiguration();
                IReadOnlyList<ParsedCertificate> Certs(Option<FileInfo[]> o) =>
                    (parse.GetValue(o) ?? []).SelectMany(x => ParsedCertificate.FromFile(x.FullName)).ToList();
                trust = new TrustConfiguration
                {
                    Name = baseTrust.Name,
                    TrustAnchors = [.. baseTrust.TrustAnchors, .. Certs(anchors)],
                    Intermediates = [.. baseTrust.Intermediates, .. Certs(intermediates)],
                    Crls = [.. baseTrust.Crls, .. (parse.GetValue(crls) ?? []).Select(x => ParsedCrl.FromFile(x.FullName))],
                    QualifiedPolicyOids = baseTrust.QualifiedPolicyOids,
                    EOnayIssuers = baseTrust.EOnayIssuers,
                    ReceiptSigners = baseTrust.ReceiptSigners,
                    ExpiringWithinDays = baseTrust.ExpiringWithinDays,
                    CrlGrace = baseTrust.CrlGrace,
                    RequireRevocation = parse.GetValue(requireRevocation),
                    SigningTimeSkew = baseTrust.SigningTimeSkew,
                    EOnayMaxAge = baseTrust.EOnayMaxAge,
                    // Without these a configured TSA list would be dropped and any TSA chaining to an anchor accepted.
                    Revocation = baseTrust.Revocation,
                    TimestampAuthorities = baseTrust.TimestampAuthorities,
                    SignatureTimestampDelay = baseTrust.SignatureTimestampDelay,
                };
                var nes = parse.GetValue(profile) == QualifiedProfile.Name;
                var policySet = parse.GetValue(policies) is { Length: > 0 } p ? p.ToHashSet() : null;
                options = new VerificationOptions
                {
                    Profile = nes ? ValidationProfile.KamuSmNes : ValidationProfile.None,
                    At = parse.GetValue(at),
                    ExpectedTckn = parse.GetValue(tckn),
                    InitialPolicySet = policySet,
                    ExplicitPolicy = parse.GetValue(explicitPolicy),
                    InhibitPolicyMapping = parse.GetValue(inhibitMapping),
                    InhibitAnyPolicy = parse.GetValue(inhibitAny),
                    // Without --require-revocation the given CRLs are still consulted, and "revoked" still fails.
                    Revocation = parse.GetValue(requireRevocation) ? RevocationMode.Required : RevocationMode.BestEffort,
                    CertificateAlgorithms = nes ? AlgorithmPolicy.Strict : AlgorithmPolicy.Legacy,
                };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException or System.Text.Json.JsonException)
            {
                error.WriteLine("esign: " + e.Message);
                return UsageError;
            }

            Verdict verdict;
            try
            {
                verdict = verify(trust, options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
            {
                error.WriteLine("esign: " + e.Message);
                return UsageError;
            }
            if (parse.GetValue(json))
                output.WriteLine(verdict.ToJson());
            else
                WriteHuman(output, verdict);
            return verdict.Indication switch
            {
                Indication.TotalPassed => Passed,
                Indication.TotalFailed => Failed,
                _ => Indeterminate,
            };
        }
    }

    /// <summary>The verdict for a person: the holder status with days left first, then every check.</summary>
    public static void WriteHuman(TextWriter output, Verdict verdict)
    {
        output.WriteLine("Result:       " + Name(verdict.Indication)
                         + (verdict.SubIndication == SubIndication.None ? "" : " / " + Name(verdict.SubIndication)));
        if (verdict.Holder is { } h)
        {
            var days = h.DaysLeft >= 0 ? $"{h.DaysLeft} days left" : $"expired {-h.DaysLeft} days ago";
            output.WriteLine($"Holder:       {Name(h.Status)} — {days} (notAfter {h.NotAfter:yyyy-MM-dd HH:mm:ss}Z)");
        }
        if (verdict.Signer is { } s)
        {
            output.WriteLine($"Subject:      {s.Subject}" + (s.Tckn is null ? "" : $"  (TCKN {s.Tckn})"));
            output.WriteLine($"Issuer:       {s.Issuer}");
            output.WriteLine($"Certificate:  sha256 {s.CertificateSha256}");
        }
        if (verdict.SigningTime is { } st)
            output.WriteLine($"Signing time: {st:yyyy-MM-dd HH:mm:ss}Z (claimed)");
        if (verdict.SignatureTimestampTime is { } tst)
            output.WriteLine($"Timestamp:    {tst.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z (CAdES-T signature timestamp; the certificate was judged at this time)");
        output.WriteLine($"Validated at: {verdict.ValidationTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"Policy:       {verdict.Policy.Id} (sha256 {verdict.Policy.Sha256[..16]}…)");
        output.WriteLine("Checks:");
        foreach (var c in verdict.Checks)
        {
            var mark = c.Result switch { CheckResult.Passed => "ok  ", CheckResult.Failed => "FAIL", CheckResult.Warning => "warn", _ => "skip" };
            output.WriteLine($"  {mark} {c.Name}" + (c.Detail is null ? "" : $": {c.Detail}"));
        }
        if (verdict.Reason is not null)
            output.WriteLine($"Reason:       {verdict.Reason}");
    }

    private static string Name<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value).Trim('"');
}
