using System.Diagnostics;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

[Collection(VerificationWorldCollection.Name)]
public class CmsTests(VerificationWorld world)
{
    private readonly CmsVerifier verifier = new(world.Trust);

    private Verdict Verify(byte[] cms, byte[]? content = null, string? tckn = null, TrustConfiguration? trust = null, DateTimeOffset? at = null) =>
        (trust is null ? verifier : new CmsVerifier(trust)).Verify(cms, content, new VerificationOptions { At = at ?? world.Now, ExpectedTckn = tckn });

    /// <summary>
    /// For signatures made by other software, which stamp the real clock as signing time: verify a minute after
    /// it (the world's CRLs are valid for 30 days after the world was built).
    /// </summary>
    private static DateTimeOffset RealNow => DateTimeOffset.UtcNow.AddMinutes(1);

    public static IEnumerable<object[]> Algorithms() =>
    [
        ["rsa", "SHA256WITHRSA"], ["rsa", "SHA384WITHRSA"], ["rsa", "SHA512WITHRSA"],
        ["rsa", "SHA256WITHRSAANDMGF1"], ["rsa", "SHA512WITHRSAANDMGF1"],
        ["p256", "SHA256WITHECDSA"], ["p384", "SHA384WITHECDSA"], ["p384", "SHA512WITHECDSA"],
    ];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void AttachedAndDetachedSignaturesPass(string key, string algorithm)
    {
        var pair = key switch { "p256" => world.P256, "p384" => world.P384, _ => world.Rsa };
        var builder = world.Signer(pair, algorithm);
        var attached = Verify(builder.Build());
        Assert.True(attached.Passed, attached.Reason);
        Assert.Equal(VerificationWorld.DoctorTckn, attached.Signer!.Tckn);
        Assert.Equal(HolderStatus.Valid, attached.Holder!.Status);
        Assert.Equal(QualifiedProfile.Name, attached.Policy.Id);
        Assert.Equal(3, attached.Chain.Count);
        Assert.All(attached.Checks, c => Assert.NotEqual(CheckResult.Failed, c.Result));

        var detached = Verify((builder with { Detached = true }).Build(), builder.Content);
        Assert.True(detached.Passed, detached.Reason);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("ec")]
    public void BouncyCastlesOwnGeneratorIsAccepted(string key)
    {
        // CAdES attributes added the usual way (signing-certificate-v2 via a signed attribute table). For ECDSA,
        // BouncyCastle labels the signature ecdsa-with-SHA1 while hashing with SHA-256: accepted as what it is.
        var pair = key == "ec" ? world.P256 : world.Rsa;
        var cert = world.IssueLeaf(pair.Public);
        var essId = new Org.BouncyCastle.Asn1.Ess.EssCertIDv2(System.Security.Cryptography.SHA256.HashData(cert.GetEncoded()));
        var table = new Org.BouncyCastle.Asn1.Cms.AttributeTable(new Org.BouncyCastle.Asn1.Asn1EncodableVector(
            new Org.BouncyCastle.Asn1.Cms.Attribute(Org.BouncyCastle.Asn1.Pkcs.PkcsObjectIdentifiers.IdAASigningCertificateV2,
                new Org.BouncyCastle.Asn1.DerSet(new Org.BouncyCastle.Asn1.Ess.SigningCertificateV2(essId)))));
        var gen = new Org.BouncyCastle.Cms.CmsSignedDataGenerator();
        gen.AddSigner(pair.Private, cert, key == "ec" ? Org.BouncyCastle.Cms.CmsSignedGenerator.EncryptionECDsa
            : Org.BouncyCastle.Cms.CmsSignedGenerator.EncryptionRsa, Org.BouncyCastle.Cms.CmsSignedGenerator.DigestSha256, table, null);
        gen.AddCertificate(cert);
        var cms = gen.Generate(new Org.BouncyCastle.Cms.CmsProcessableByteArray("challenge"u8.ToArray()), true).GetEncoded();
        var verdict = Verify(cms, at: RealNow);
        Assert.True(verdict.Passed, verdict.Reason);
    }

    public static IEnumerable<object[]> Tampers() => TamperCases.Keys.Select(k => new object[] { k });

    /// <summary>Each variant breaks one thing and must get its own sub-indication.</summary>
    private static readonly Dictionary<string, (SubIndication Expected, Func<VerificationWorld, (byte[] Cms, byte[]? Content, string? Tckn, TrustConfiguration? Trust)> Make)> TamperCases = new()
    {
        ["content changed (attached)"] = (SubIndication.HashFailure, w =>
        {
            var cms = w.Signer(w.Rsa).Build();
            var i = cms.AsSpan().IndexOf("NES 3"u8);
            cms[i] ^= 0x20;
            return (cms, null, null, null);
        }),
        ["content changed (detached)"] = (SubIndication.HashFailure, w =>
        {
            var b = w.Signer(w.Rsa) with { Detached = true };
            return (b.Build(), "{\"form\":\"something else\"}"u8.ToArray(), null, null);
        }),
        ["message-digest attribute changed"] = (SubIndication.HashFailure, w =>
            ((w.Signer(w.Rsa) with { MessageDigestOverride = new byte[32] }).Build(), null, null, null)),
        ["signature value flipped"] = (SubIndication.SigCryptoFailure, w =>
            ((w.Signer(w.Rsa) with { MutateSignature = s => { s[10] ^= 1; return s; } }).Build(), null, null, null)),
        ["ECDSA signature value flipped"] = (SubIndication.SigCryptoFailure, w =>
            ((w.Signer(w.P256, "SHA256WITHECDSA") with { MutateSignature = s => { s[^3] ^= 1; return s; } }).Build(), null, null, null)),
        ["signer certificate swapped for one with the same key"] = (SubIndication.NoSigningCertificateFound, w =>
        {
            var b = w.Signer(w.Rsa);
            var twin = w.IssueLeaf(w.Rsa.Public);
            return ((b with { Embedded = [twin], SidCertificate = twin }).Build(), null, null, null);
        }),
        ["signing-certificate-v2 names another certificate"] = (SubIndication.NoSigningCertificateFound, w =>
            ((w.Signer(w.Rsa) with { EssCertificate = w.IssueLeaf(w.P256.Public) }).Build(), null, null, null)),
        ["signing-certificate-v2 missing"] = (SubIndication.FormatFailure, w =>
            ((w.Signer(w.Rsa) with { SigningCertificateV2 = false }).Build(), null, null, null)),
        ["signed attributes dropped"] = (SubIndication.FormatFailure, w =>
            ((w.Signer(w.Rsa) with { SignedAttributes = false }).Build(), null, null, null)),
        ["content-type attribute differs from eContentType"] = (SubIndication.FormatFailure, w =>
            ((w.Signer(w.Rsa) with { ContentTypeAttribute = "1.2.840.113549.1.7.2" }).Build(), null, null, null)),
        ["content-type attribute twice"] = (SubIndication.FormatFailure, w =>
            ((w.Signer(w.Rsa) with { DuplicateContentType = true }).Build(), null, null, null)),
        ["two signers"] = (SubIndication.FormatFailure, w => ((w.Signer(w.Rsa) with { SignerCount = 2 }).Build(), null, null, null)),
        ["zero signers"] = (SubIndication.FormatFailure, w => ((w.Signer(w.Rsa) with { SignerCount = 0 }).Build(), null, null, null)),
        ["truncated DER"] = (SubIndication.FormatFailure, w => (w.Signer(w.Rsa).Build()[..^40], null, null, null)),
        ["garbage bytes"] = (SubIndication.FormatFailure, _ => ("this is not a signature"u8.ToArray(), null, null, null)),
        ["empty input"] = (SubIndication.FormatFailure, _ => ([], null, null, null)),
        ["detached without content"] = (SubIndication.SignedDataNotFound, w => ((w.Signer(w.Rsa) with { Detached = true }).Build(), null, null, null)),
        ["signer certificate not embedded"] = (SubIndication.NoSigningCertificateFound, w => ((w.Signer(w.Rsa) with { Embedded = [] }).Build(), null, null, null)),
        ["expired signer"] = (SubIndication.Expired, w =>
            (w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, notBeforeDays: -800, notAfterDays: -10)) with { SigningTime = null }).Build() is var c ? (c, null, null, null) : default),
        ["not yet valid signer"] = (SubIndication.NotYetValid, w =>
            ((w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, notBeforeDays: 2)) with { SigningTime = null }).Build(), null, null, null)),
        ["signed before the certificate existed"] = (SubIndication.NotYetValid, w =>
            ((w.Signer(w.Rsa) with { SigningTime = w.Now.AddDays(-60) }).Build(), null, null, null)),
        ["revoked signer"] = (SubIndication.Revoked, w =>
        {
            // Same serial as the doctor-revoked persona: the world's sub-CA CRL lists it.
            var serial = new BigInteger(w.Manifest.Persona("doctor-revoked").SerialNumberHex, 16);
            return (w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, serialNumber: serial)).Build(), null, null, null);
        }),
        ["rogue root"] = (SubIndication.NoCertificateChainFound, w =>
        {
            var cert = HsmWorldFixture.ReadCertificate(w.Manifest.Pki.RogueLeafCertificate);
            var key = VerificationWorld.ReadKey(w.Manifest.Pki.RogueLeafKey);
            return (new CadesBuilder(key, cert, "SHA256WITHRSA") { SigningTime = w.Now.AddMinutes(-1) }.Build(), null, null, null);
        }),
        ["no nonRepudiation"] = (SubIndication.ChainConstraintsFailure, w =>
            (w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, nonRepudiation: false)).Build(), null, null, null)),
        ["no QC statements"] = (SubIndication.ChainConstraintsFailure, w =>
            (w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, qc: false)).Build(), null, null, null)),
        ["subject serialNumber not a TCKN"] = (SubIndication.ChainConstraintsFailure, w =>
            (w.Signer(w.Rsa, cert: w.IssueLeaf(w.Rsa.Public, tckn: "12345678901")).Build(), null, null, null)),
        ["SHA-1"] = (SubIndication.CryptoConstraintsFailure, w => (w.Signer(w.Rsa, "SHA1WITHRSA").Build(), null, null, null)),
        ["MD5"] = (SubIndication.CryptoConstraintsFailure, w => (w.Signer(w.Rsa, "MD5WITHRSA").Build(), null, null, null)),
        ["RSA-1024"] = (SubIndication.CryptoConstraintsFailure, w => (w.Signer(w.Rsa1024).Build(), null, null, null)),
        ["signing time in the future"] = (SubIndication.SigConstraintsFailure, w =>
            ((w.Signer(w.Rsa) with { SigningTime = w.Now.AddHours(1) }).Build(), null, null, null)),
        ["wrong holder (expected TCKN differs)"] = (SubIndication.SigConstraintsFailure, w =>
            (w.Signer(w.Rsa).Build(), null, "28473956150", null)),
        ["no CRL available (revocation required)"] = (SubIndication.TryLater, w =>
            (w.Signer(w.Rsa).Build(), null, null, w.Trust.WithCrls([]))),
    };

    [Theory]
    [MemberData(nameof(Tampers))]
    public void TamperedVariantGetsItsSubIndication(string variant)
    {
        var (expected, make) = TamperCases[variant];
        var (cms, content, tckn, trust) = make(world);
        var verdict = Verify(cms, content, tckn, trust);
        Assert.False(verdict.Passed);
        Assert.True(expected == verdict.SubIndication, $"expected {expected}, got {verdict.SubIndication}: {verdict.Reason}");
        Assert.NotNull(verdict.Reason);
        Assert.Contains(verdict.Checks, c => c.Result == CheckResult.Failed);
    }

    [Fact]
    public void TheTamperSuiteHasAtLeastTwentyVariants() => Assert.True(TamperCases.Count >= 20, $"{TamperCases.Count}");

    [Fact]
    public void WrongHolderAndRevokedAreReportedInTheHolderStatus()
    {
        var wrong = Verify(world.Signer(world.Rsa).Build(), tckn: "28473956150");
        Assert.Equal(HolderStatus.WrongHolder, wrong.Holder!.Status);
        var serial = new BigInteger(world.Manifest.Persona("doctor-revoked").SerialNumberHex, 16);
        var revoked = Verify(world.Signer(world.Rsa, cert: world.IssueLeaf(world.Rsa.Public, serialNumber: serial)).Build());
        Assert.Equal(HolderStatus.Revoked, revoked.Holder!.Status);
        Assert.Equal(Indication.TotalFailed, revoked.Indication);
    }

    [Fact]
    public void ProofOfPossessionBindsTheChallengeAndReportsTheHolder()
    {
        var challenge = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var expiring = world.IssueLeaf(world.P256.Public, notAfterDays: 40);
        var b = world.Signer(world.P256, "SHA256WITHECDSA", expiring) with { Content = challenge, Detached = true };
        var ok = verifier.VerifyProofOfPossession(b.Build(), challenge, VerificationWorld.DoctorTckn, world.Now);
        Assert.True(ok.Passed, ok.Reason);
        Assert.Equal(HolderStatus.Expiring, ok.Holder!.Status);
        Assert.Equal(40, ok.Holder.DaysLeft);

        var attached = verifier.VerifyProofOfPossession((b with { Detached = false }).Build(), challenge, null, world.Now);
        Assert.True(attached.Passed, attached.Reason);

        var otherChallenge = verifier.VerifyProofOfPossession(b.Build(), new byte[32], VerificationWorld.DoctorTckn, world.Now);
        Assert.Equal(SubIndication.HashFailure, otherChallenge.SubIndication);
        var attachedOther = verifier.VerifyProofOfPossession((b with { Detached = false }).Build(), new byte[32], null, world.Now);
        Assert.Equal(SubIndication.HashFailure, attachedOther.SubIndication);
    }

    [Fact]
    public void OpenSslCadesSignatureVerifies()
    {
        var dir = Directory.CreateTempSubdirectory("esign-interop-");
        try
        {
            var cert = world.IssueLeaf(world.Rsa.Public);
            File.WriteAllText(Path.Combine(dir.FullName, "cert.pem"), ToPem(cert));
            File.WriteAllText(Path.Combine(dir.FullName, "key.pem"), ToPem(PrivateKeyInfoFactory.CreatePrivateKeyInfo(world.Rsa.Private)));
            var content = "{\"application\":\"A-2026-0001\",\"reason\":\"YENİLEME\"}"u8.ToArray();
            File.WriteAllBytes(Path.Combine(dir.FullName, "form.json"), content);
            Run(dir.FullName, "cms -sign -binary -nodetach -md sha256 -cades -outform DER -signer cert.pem -inkey key.pem -in form.json -out form.p7s");
            Run(dir.FullName, "cms -sign -binary -md sha256 -cades -outform DER -signer cert.pem -inkey key.pem -in form.json -out detached.p7s");

            var attached = Verify(File.ReadAllBytes(Path.Combine(dir.FullName, "form.p7s")), at: RealNow);
            Assert.True(attached.Passed, attached.Reason);
            Assert.NotNull(attached.SigningTime);
            var detached = Verify(File.ReadAllBytes(Path.Combine(dir.FullName, "detached.p7s")), content, at: RealNow);
            Assert.True(detached.Passed, detached.Reason);
            var tampered = Verify(File.ReadAllBytes(Path.Combine(dir.FullName, "detached.p7s")), [.. content, (byte)' '], at: RealNow);
            Assert.Equal(SubIndication.HashFailure, tampered.SubIndication);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static string ToPem(object o)
    {
        using var w = new StringWriter();
        var pem = new PemWriter(w);
        pem.WriteObject(o);
        pem.Writer.Flush();
        return w.ToString();
    }

    private static void Run(string dir, string args)
    {
        var psi = new ProcessStartInfo("openssl", args) { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"openssl {args}: {err.Result}");
    }

    [Fact]
    public void VerdictSerialisesToJsonWithEtsiNames()
    {
        var json = Verify(world.Signer(world.Rsa).Build()).ToJson();
        Assert.Contains("\"indication\": \"TOTAL_PASSED\"", json);
        Assert.Contains("\"status\": \"VALID\"", json);
        var failed = Verify("junk"u8.ToArray()).ToJson();
        Assert.Contains("\"subIndication\": \"FORMAT_FAILURE\"", failed);
    }

    [Fact]
    public void ConcurrentVerificationsAgree()
    {
        var good = world.Signer(world.Rsa).Build();
        var bad = (world.Signer(world.P256, "SHA256WITHECDSA") with { MessageDigestOverride = new byte[32] }).Build();
        var results = new System.Collections.Concurrent.ConcurrentBag<(bool Good, Verdict V)>();
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var isGood = i % 2 == 0;
            results.Add((isGood, Verify(isGood ? good : bad)));
        });
        Assert.All(results, r => Assert.Equal(r.Good ? SubIndication.None : SubIndication.HashFailure, r.V.SubIndication));
    }
}
