using System.CommandLine;
using System.Text.Json;
using Signing.Cli.Commands;
using Signing.TestKit;
using Signing.Verification;

namespace Signing.Verification.Tests;

/// <summary>`esign cert verify` / `esign cms verify`, run in-process through System.CommandLine.</summary>
[Collection(VerificationWorldCollection.Name)]
public class CliTests(VerificationWorld world)
{
    private static readonly string Pkits = Path.Combine(LocalWorld.SharedDirectory, "testdata", "pkits");

    private static (int Exit, string Out) Esign(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var root = new RootCommand { CertCommands.Create(stdout, stderr), CertCommands.CreateCms(stdout, stderr) };
        var exit = root.Parse(args).Invoke();
        return (exit, stdout.ToString() + stderr);
    }

    private static string[] PkitsArgs(string cert, string crl) =>
    [
        "cert", "verify", Path.Combine(Pkits, "certs", cert),
        "--trust-anchor", Path.Combine(Pkits, "certs", "TrustAnchorRootCertificate.crt"),
        "--intermediate", Path.Combine(Pkits, "certs", "GoodCACert.crt"),
        "--crl", Path.Combine(Pkits, "crls", crl), "--crl", Path.Combine(Pkits, "crls", "TrustAnchorRootCRL.crl"),
        "--at", "2022-05-01T00:00:00Z", "--profile", "none", "--require-revocation",
    ];

    [Fact]
    public void PkitsValidPathExitsZero()
    {
        var (exit, output) = Esign(PkitsArgs("ValidCertificatePathTest1EE.crt", "GoodCACRL.crl"));
        Assert.Equal(CertCommands.Passed, exit);
        Assert.Contains("TOTAL_PASSED", output);
    }

    [Fact]
    public void PkitsRevokedEndEntityFailsWithRevoked()
    {
        var (exit, output) = Esign(PkitsArgs("InvalidRevokedEETest3EE.crt", "GoodCACRL.crl"));
        Assert.Equal(CertCommands.Failed, exit);
        Assert.Contains("TOTAL_FAILED / REVOKED", output);
    }

    [Fact]
    public void PersonaCertificateShowsHolderStatusWithDaysLeft()
    {
        var pki = world.Manifest.Pki;
        var (exit, output) = Esign("cert", "verify", world.Manifest.Persona("fp-expiring").CertificatePath,
            "--trust-anchor", pki.RootCertificate, "--intermediate", pki.NesSubCaCertificate,
            "--crl", pki.RootCrl, "--crl", pki.NesSubCaCrl, "--require-revocation", "--at", world.Now.ToString("O"));
        Assert.Equal(CertCommands.Passed, exit);
        Assert.Contains("EXPIRING — 45 days left", output);
    }

    [Fact]
    public void JsonOutputIsTheVerdict()
    {
        var pki = world.Manifest.Pki;
        var (exit, output) = Esign("cert", "verify", world.Manifest.Persona("fp-expired").CertificatePath,
            "--trust-anchor", pki.RootCertificate, "--intermediate", pki.NesSubCaCertificate,
            "--crl", pki.RootCrl, "--crl", pki.NesSubCaCrl, "--at", world.Now.ToString("O"), "--json");
        Assert.Equal(CertCommands.Failed, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("TOTAL_FAILED", doc.RootElement.GetProperty("indication").GetString());
        Assert.Equal("EXPIRED", doc.RootElement.GetProperty("subIndication").GetString());
        Assert.Equal(-10, doc.RootElement.GetProperty("holder").GetProperty("daysLeft").GetInt32());
    }

    [Fact]
    public void CmsVerifyDetachedWithContent()
    {
        var dir = Directory.CreateTempSubdirectory("esign-cli-");
        try
        {
            var builder = world.Signer(world.P256, "SHA256WITHECDSA") with { Detached = true };
            var sig = Path.Combine(dir.FullName, "form.p7s");
            var content = Path.Combine(dir.FullName, "form.json");
            File.WriteAllBytes(sig, builder.Build());
            File.WriteAllBytes(content, builder.Content);
            var model = Signing.HsmSim.WorldTrust.Model(LocalWorld.ManifestPath);
            var trustFile = Path.Combine(dir.FullName, "trust.json");
            File.WriteAllText(trustFile, TrustConfiguration.Serialize(model));

            var (ok, okOut) = Esign("cms", "verify", sig, "--content", content, "--trust-config", trustFile, "--at", world.Now.ToString("O"));
            Assert.True(ok == CertCommands.Passed, okOut);
            Assert.Contains("cades.signing-certificate", okOut);

            var (missing, _) = Esign("cms", "verify", sig, "--trust-config", trustFile, "--at", world.Now.ToString("O"));
            Assert.Equal(CertCommands.Indeterminate, missing);

            var (bad, badOut) = Esign("cms", "verify", Path.Combine(dir.FullName, "nope.p7s"), "--trust-config", trustFile);
            Assert.Equal(CertCommands.UsageError, bad);
            Assert.Contains("esign:", badOut);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
