using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Signing.Cli.Commands;
using Signing.TestKit;

namespace Signing.Verification.Tests;

/// <summary>
/// Submission receipts checked offline (<see cref="ReceiptVerifier"/>, `esign cms verify-receipt`): a batch signature
/// made here the way the server makes it (attached CAdES over <see cref="ReceiptBatch"/>), judged with profile none.
/// The demo day checks a receipt the real server signed.
/// </summary>
[Collection(VerificationWorldCollection.Name)]
public class ReceiptVerifierTests(VerificationWorld world)
{
    private static readonly byte[] Mine = """{"type":"esign.submission-receipt","applicationId":"a1","applicationCode":"33-0001"}"""u8.ToArray();
    private static readonly byte[] Other = """{"type":"esign.submission-receipt","applicationId":"b2","applicationCode":"33-0002"}"""u8.ToArray();

    private VerificationOptions Options => new() { Profile = ValidationProfile.None, At = world.Now };

    /// <summary>The receipt certificate of these tests' directorate: pinned in <see cref="PinnedTrust"/>.</summary>
    private readonly Org.BouncyCastle.X509.X509Certificate receiptCertificate = world.IssueLeaf(world.P256.Public, name: "Test Müdürlüğü Alındı");

    private string ReceiptPin => Convert.ToHexStringLower(SHA256.HashData(receiptCertificate.GetEncoded()));

    private TrustConfiguration PinnedTrust => world.Trust.WithReceiptSigners([ReceiptPin]);

    private byte[] SignBatch(byte[] content) => world.Signer(world.P256, "SHA256WITHECDSA", receiptCertificate) with { Content = content } is var b ? b.Build() : [];

    private Verdict Verify(byte[] document, byte[] signature) => new ReceiptVerifier(new CmsVerifier(PinnedTrust)).Verify(document, signature, Options);

    [Fact]
    public void ABatchSignedByAnotherCertificateUnderTheRootIsNotAReceipt()
    {
        // Any NES under the same root can sign a well-formed batch listing a document of its making.
        var forged = (world.Signer(world.P256, "SHA256WITHECDSA") with { Content = ReceiptBatch.ToJson([Mine], world.Now) }).Build();

        // The world's trust pins the world server's receipt certificate, not this signer.
        var verdict = new ReceiptVerifier(new CmsVerifier(world.Trust)).Verify(Mine, forged, Options);

        Assert.False(verdict.Passed, "a batch signed by someone else's certificate passed as a receipt");
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.SigConstraintsFailure, verdict.SubIndication);
        Assert.Equal(CheckResult.Failed, verdict.Checks.Single(c => c.Name == ReceiptVerifier.SignerCheck).Result);
    }

    [Fact]
    public void WithoutAPinnedReceiptCertificateNothingPasses()
    {
        var verdict = new ReceiptVerifier(new CmsVerifier(world.Trust.WithReceiptSigners([])))
            .Verify(Mine, SignBatch(ReceiptBatch.ToJson([Mine], world.Now)), Options);

        Assert.False(verdict.Passed);
        Assert.Equal(Indication.Indeterminate, verdict.Indication);
        Assert.Contains("no receipt certificate is pinned", verdict.Reason);
    }

    [Fact]
    public void APinGivenAsOpenSslPrintsItMatches()
    {
        var colons = string.Join(':', Convert.ToHexString(SHA256.HashData(receiptCertificate.GetEncoded())).Chunk(2).Select(c => new string(c)));
        var verdict = new ReceiptVerifier(new CmsVerifier(world.Trust.WithReceiptSigners([colons])))
            .Verify(Mine, SignBatch(ReceiptBatch.ToJson([Mine], world.Now)), Options);

        Assert.True(verdict.Passed, verdict.Reason);
    }

    [Fact]
    public void AReceiptListedInItsSignedBatchPasses()
    {
        var verdict = Verify(Mine, SignBatch(ReceiptBatch.ToJson([Other, Mine], world.Now)));
        Assert.True(verdict.Passed, verdict.Reason);
        var listed = Assert.Single(verdict.Checks, c => c.Name == ReceiptVerifier.ListedCheck);
        Assert.Equal(CheckResult.Passed, listed.Result);
        Assert.Contains("one of the 2 receipt(s)", listed.Detail);
    }

    [Fact]
    public void AChangedReceiptIsAHashFailure()
    {
        var signature = SignBatch(ReceiptBatch.ToJson([Mine], world.Now));
        var changed = (byte[])Mine.Clone();
        changed[^3] ^= 0x01;
        var verdict = Verify(changed, signature);
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
        Assert.Contains("does not list this document", verdict.Reason);
        Assert.Equal(CheckResult.Failed, verdict.Checks.Single(c => c.Name == ReceiptVerifier.ListedCheck).Result);
    }

    [Fact]
    public void AnotherApplicantsBatchDoesNotProveMyReceipt()
    {
        var verdict = Verify(Mine, SignBatch(ReceiptBatch.ToJson([Other], world.Now)));
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
    }

    [Theory]
    [InlineData("""{"form":"NES 3 YILLIK BAŞVURUSU"}""")]                                   // a signed form, not a batch
    [InlineData("""{"type":"esign.receipt-batch","version":2,"documentSha256":[]}""")]     // a version this reader does not know
    [InlineData("""{"type":"esign.receipt-batch","version":1,"documentSha256":[1]}""")]    // not hashes
    [InlineData("""{"type":"esign.receipt-batch","version":"1","documentSha256":[]}""")]  // version as text
    [InlineData("not json")]
    public void ASignatureOverSomethingElseIsNotAReceipt(string content)
    {
        var verdict = Verify(Mine, SignBatch(Encoding.UTF8.GetBytes(content)));
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.HashFailure, verdict.SubIndication);
        Assert.Contains("not a receipt batch", verdict.Checks.Single(c => c.Name == ReceiptVerifier.ListedCheck).Detail);
    }

    [Fact]
    public void ABrokenSignatureIsReportedAsSuchWithoutConsultingTheList()
    {
        var builder = world.Signer(world.P256, "SHA256WITHECDSA") with
        {
            Content = ReceiptBatch.ToJson([Mine], world.Now),
            MutateSignature = s => { s[^1] ^= 0x01; return s; },
        };
        var verdict = Verify(Mine, builder.Build());
        Assert.Equal(Indication.TotalFailed, verdict.Indication);
        Assert.Equal(SubIndication.SigCryptoFailure, verdict.SubIndication);
        Assert.DoesNotContain(verdict.Checks, c => c.Name == ReceiptVerifier.ListedCheck);
    }

    [Fact]
    public void GarbageIsAFormatFailureNotAnException()
    {
        var verdict = Verify(Mine, [0x30, 0x03, 0x02, 0x01]);
        Assert.Equal(SubIndication.FormatFailure, verdict.SubIndication);
    }

    [Fact]
    public void EsignCmsVerifyReceiptFindsTheSignatureBesideTheDocumentAndExitsByTheVerdict()
    {
        var dir = Directory.CreateTempSubdirectory("esign-receipt-");
        try
        {
            var document = Path.Combine(dir.FullName, "alindi.json");
            File.WriteAllBytes(document, Mine);
            File.WriteAllBytes(Path.ChangeExtension(document, ".p7s"), SignBatch(ReceiptBatch.ToJson([Other, Mine], world.Now)));
            var trust = Path.Combine(dir.FullName, "trust.json");
            File.WriteAllText(trust, TrustConfiguration.Serialize(Signing.HsmSim.WorldTrust.Model(LocalWorld.ManifestPath)));
            string[] common = ["--trust-config", trust, "--at", world.Now.ToString("O"), "--receipt-signer", ReceiptPin];

            var (ok, okOut) = Esign(["cms", "verify-receipt", document, .. common]);
            Assert.True(ok == CertCommands.Passed, okOut);
            Assert.Contains("ok   receipt-listed", okOut);

            var (json, jsonOut) = Esign(["cms", "verify-receipt", document, .. common, "--json"]);
            Assert.Equal(CertCommands.Passed, json);
            Assert.Equal("TOTAL_PASSED", JsonDocument.Parse(jsonOut).RootElement.GetProperty("indication").GetString());

            var changed = Path.Combine(dir.FullName, "changed.json");
            File.WriteAllBytes(changed, [.. Mine[..^3], (byte)(Mine[^3] ^ 0x01), .. Mine[^2..]]);
            var (bad, badOut) = Esign(["cms", "verify-receipt", changed, "--signature", Path.ChangeExtension(document, ".p7s"), .. common]);
            Assert.Equal(CertCommands.Failed, bad);
            Assert.Contains("HASH_FAILURE", badOut);

            // The signature is looked for beside the document: none beside changed.json.
            var (missing, missingOut) = Esign(["cms", "verify-receipt", changed, .. common]);
            Assert.Equal(CertCommands.UsageError, missing);
            Assert.Contains("changed.p7s", missingOut);

            // No trust given: the signer cannot be chained, which is not a pass.
            var (untrusted, _) = Esign(["cms", "verify-receipt", document, "--at", world.Now.ToString("O"), "--receipt-signer", ReceiptPin]);
            Assert.Equal(CertCommands.Indeterminate, untrusted);

            // Chained to the root, but not the directorate's receipt certificate (the world's trust pins the world server's).
            var (forged, forgedOut) = Esign(["cms", "verify-receipt", document, "--trust-config", trust, "--at", world.Now.ToString("O")]);
            Assert.Equal(CertCommands.Failed, forged);
            Assert.Contains("FAIL receipt-signer", forgedOut);

            // The pin may also be the receipt certificate itself, as the directorate publishes it.
            var pem = Path.Combine(dir.FullName, "receipt-signer.pem");
            File.WriteAllText(pem, PemEncoding.WriteString("CERTIFICATE", receiptCertificate.GetEncoded()));
            var (byFile, byFileOut) = Esign(["cms", "verify-receipt", document, "--trust-config", trust, "--at", world.Now.ToString("O"), "--receipt-signer", pem]);
            Assert.True(byFile == CertCommands.Passed, byFileOut);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>README's recipe without esign, run as written: the signer is checked against the pin, not only the root.</summary>
    [Fact]
    public void TheReadmeOpenSslRecipeAcceptsTheDirectoratesReceiptAndRefusesAnotherSigner()
    {
        // The build's Bootstrap installs openssl (libengine-pkcs11-openssl pulls it in).
        Assert.True(File.Exists("/usr/bin/openssl"), "openssl is not installed: run ./build.sh --target=Bootstrap");
        var dir = Directory.CreateTempSubdirectory("openssl-receipt-");
        try
        {
            File.WriteAllBytes(Path.Combine(dir.FullName, "receipt.json"), Mine);
            File.Copy(world.Manifest.Pki.RootCertificate, Path.Combine(dir.FullName, "root.pem"));
            var genuine = world.Signer(world.P256, "SHA256WITHECDSA", receiptCertificate) with
            {
                Content = ReceiptBatch.ToJson([Other, Mine], world.Now), Embedded = [receiptCertificate, world.SubCa],
            };
            var forged = world.Signer(world.P256, "SHA256WITHECDSA") with { Content = ReceiptBatch.ToJson([Mine], world.Now) };
            var leaf = forged.Certificate;
            var forgedCms = (forged with { Embedded = [leaf, world.SubCa] }).Build();
            var pin = Convert.ToHexString(SHA256.HashData(receiptCertificate.GetEncoded()));

            File.WriteAllBytes(Path.Combine(dir.FullName, "receipt.p7s"), genuine.Build());
            var (ok, okOut) = Recipe(dir.FullName, pin);
            Assert.True(ok == 0, okOut);

            File.WriteAllBytes(Path.Combine(dir.FullName, "receipt.p7s"), forgedCms);
            var (bad, badOut) = Recipe(dir.FullName, pin);
            Assert.True(bad != 0, "the recipe accepted a batch signed by another certificate: " + badOut);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>README.md's commands (section "What is signed"), with the pin the directorate publishes in $PIN.</summary>
    private static (int Exit, string Output) Recipe(string dir, string pin)
    {
        const string script = """
            set -e
            openssl cms -verify -binary -inform DER -in receipt.p7s -CAfile root.pem -purpose any -signer signer.pem -out batch.json
            test "$(openssl x509 -in signer.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :)" = "$(echo "$PIN" | tr -d : | tr a-f A-F)"
            test "$(grep -c "$(sha256sum < receipt.json | cut -c1-64)" batch.json)" = 1
            """;
        var psi = new System.Diagnostics.ProcessStartInfo("bash", ["-c", script])
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.Environment["PIN"] = pin.ToLowerInvariant(); // published in either case; the recipe compares case-blind
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    [Fact]
    public void TheBatchDocumentIsFixedJsonListingLowerCaseSha256HexInOrder()
    {
        var a = "a"u8.ToArray();
        var b = "b"u8.ToArray();
        var json = ReceiptBatch.ToJson([a, b], new DateTimeOffset(2026, 11, 26, 12, 30, 15, 123, TimeSpan.FromHours(3)));
        Assert.Equal(
            "{\"type\":\"esign.receipt-batch\",\"version\":1,\"issuedAt\":\"2026-11-26T09:30:15.123Z\",\"documentSha256\":[" +
            "\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\"," +
            "\"3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d\"]}",
            Encoding.UTF8.GetString(json));
        Assert.Equal(new[] { Convert.ToHexStringLower(SHA256.HashData(a)), Convert.ToHexStringLower(SHA256.HashData(b)) }, ReceiptBatch.DocumentHashes(json));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"type\":\"esign.submission-receipt\",\"documentSha256\":[]}")]
    [InlineData("{\"type\":\"esign.receipt-batch\"}")]
    [InlineData("{\"type\":\"esign.receipt-batch\",\"documentSha256\":[null]}")]
    [InlineData("{\"type\":\"esign.receipt-batch\",\"version\":1,\"documentSha256\":[null]}")]
    [InlineData("{\"type\":\"esign.receipt-batch\",\"version\":1.5,\"documentSha256\":[]}")]
    public void AnythingButAReceiptBatchIsRefusedWhenRead(string json) =>
        Assert.ThrowsAny<JsonException>(() => ReceiptBatch.DocumentHashes(Encoding.UTF8.GetBytes(json)));

    private static (int Exit, string Out) Esign(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = new RootCommand { CertCommands.CreateCms(stdout, stderr) }.Parse(args).Invoke();
        return (exit, stdout.ToString() + stderr);
    }
}
