using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Signing.Contracts.V1;
using Signing.TestKit;

namespace Signing.Server.Tests.Infrastructure;

/// <summary>
/// Shared steps of the service suites: clients, applicants without a card (synthetic TCKNs, for queues that need many
/// items), e-Onay confirmations from the hsm-sim tool, officer decisions signed on the officer's card, receipt checks.
/// </summary>
public static class Scenario
{
    public static CertificateService.CertificateServiceClient Certificates(this SigningServer s) => new(s.Channel);
    public static SessionService.SessionServiceClient Sessions(this SigningServer s) => new(s.Channel);
    public static ApplicationService.ApplicationServiceClient Applications(this SigningServer s) => new(s.Channel);
    public static ApprovalService.ApprovalServiceClient Approvals(this SigningServer s) => new(s.Channel);
    public static DeliveryService.DeliveryServiceClient Deliveries(this SigningServer s) => new(s.Channel);
    public static RosterService.RosterServiceClient Roster(this SigningServer s) => new(s.Channel);

    private static int _synthetic;

    /// <summary>
    /// A valid TCKN that belongs to no persona, unique in this test process: digits 1–9 from a counter (so two tests never
    /// collide on "one open renewal per TCKN"), digits 10–11 the checksum.
    /// </summary>
    public static string SyntheticTckn()
    {
        var n = Interlocked.Increment(ref _synthetic);
        var nine = (900_000_000 + (Environment.ProcessId % 1000) * 100_000 + n).ToString();
        return Signing.Domain.Tckn.WithCheckDigits(nine).Value;
    }

    /// <summary>A complete form for someone who has no card in the world (submitted wet or with e-Onay by a system client).</summary>
    public static ApplicationForm SyntheticForm(string tckn, string tenant, ApplicantCategory category = ApplicantCategory.Manager) => new()
    {
        Tenant = tenant,
        Tckn = tckn,
        GivenNames = "Deneme",
        Surname = "Kişi" + tckn[^3..],
        Category = category,
        Reason = "YENİLEME",
        CertificateKind = "NES",
        TermYears = 3,
        Email = "deneme@example.invalid",
        Phone = "+90 324 000 00 00",
        DeliveryAddress = "Test Mah. 1. Sok. No:1, Mersin",
        Institution = "Test Kurumu",
    };

    /// <summary>A wet-signed application submitted by the system key: it waits for PAPER on the tenant's queue.</summary>
    public static async Task<Application> SubmitWetAsync(this SigningServer s, ApplicationForm form)
    {
        var response = await s.Applications().SubmitWetSignedAsync(
            new SubmitWetSignedRequest { Form = form, ClientRequestId = Guid.NewGuid().ToString("N") }, s.SystemHeaders());
        Assert.Equal("AWAITING_PAPER", response.Application.Status);
        return response.Application;
    }

    /// <summary>Wet form + the officer registering the 2 copies: an item on the queue lacking nothing.</summary>
    public static async Task<Application> SubmitApprovableAsync(this SigningServer s, string tenant, Metadata officer)
    {
        var wet = await s.SubmitWetAsync(SyntheticForm(SyntheticTckn(), tenant));
        var registered = await s.Approvals().RegisterPaperFormAsync(
            new RegisterPaperFormRequest { ApplicationId = wet.Id, Copies = 2 }, officer);
        Assert.Equal("AWAITING_APPROVAL", registered.Status);
        return registered;
    }

    /// <summary>GetDecisionDocument → detached CAdES on the officer's card → Decide.</summary>
    public static async Task<Application> DecideAsync(this SigningServer s, string officerPersona, Metadata officer, string applicationId,
        Decision decision, string reason = "")
    {
        var document = await s.Approvals().GetDecisionDocumentAsync(
            new GetDecisionDocumentRequest { ApplicationId = applicationId, Decision = decision, Reason = reason }, officer);
        return await s.Approvals().DecideAsync(Signed(officerPersona, applicationId, document), officer);
    }

    public static DecideRequest Signed(string officerPersona, string applicationId, DecisionDocument document) => new()
    {
        ApplicationId = applicationId,
        Document = document.Document,
        Signature = ByteString.CopyFrom(Cards.Sign(officerPersona, document.Document.ToByteArray(), detached: true)),
        ExpectedVersion = document.Version,
    };

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// An e-Onay confirmation made by the hsm-sim tool as a separate process (the world's e-Onay issuer key), binding the
    /// TCKN and the SHA-256 of the form JSON.
    /// </summary>
    public static byte[] EOnay(string tckn, string formSha256Hex)
    {
        var tool = Path.Combine(LocalWorld.RepositoryRoot, "hsm-sim", "Signing.HsmSim", "bin", "Debug", "net10.0", "hsm-sim.dll");
        Assert.True(File.Exists(tool), $"{tool} is missing: build hsm-sim (./build.sh --target=HsmSim)");
        var output = Path.Combine(Path.GetTempPath(), "eonay-" + Guid.NewGuid().ToString("N") + ".p7s");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { tool, "eonay", "issue", "--manifest", LocalWorld.ManifestPath, "--tckn", tckn, "--form-sha256", formSha256Hex, "-o", output })
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"hsm-sim eonay issue failed ({process.ExitCode}): {stdout.Result} {stderr.Result}");
        try
        {
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>
    /// Checks a submission receipt independently of the server's code: the JSON names the application and the form hash;
    /// the CMS verifies (BouncyCastle) with the server-mersin certificate as signer, and its content, the receipt batch,
    /// lists the SHA-256 of exactly those bytes.
    /// </summary>
    public static JsonElement VerifyReceipt(SignedReceipt receipt, string applicationId, string formSha256Hex)
    {
        var json = receipt.DocumentJson.ToByteArray();
        var document = JsonDocument.Parse(json).RootElement.Clone();
        Assert.Equal("esign.submission-receipt", document.GetProperty("type").GetString());
        Assert.Equal(applicationId, document.GetProperty("applicationId").GetString());
        Assert.Equal(formSha256Hex, document.GetProperty("formSha256").GetString());

        var hashes = ReceiptBatchHashes(receipt);
        Assert.Contains(Sha256Hex(json), hashes);
        // Other bytes are not covered: the check above is not vacuous.
        var tampered = (byte[])json.Clone();
        tampered[^2] ^= 0x01;
        Assert.DoesNotContain(Sha256Hex(tampered), hashes);
        return document;
    }

    /// <summary>
    /// The hashes a receipt's signature covers: the CMS must verify with the server-mersin key over its content, a receipt
    /// batch; the same signature over changed content must not.
    /// </summary>
    public static IReadOnlyList<string> ReceiptBatchHashes(SignedReceipt receipt)
    {
        var cms = new CmsSignedData(receipt.Signature.ToByteArray());
        var signers = cms.GetSignerInfos().GetSigners().ToList();
        Assert.Single(signers);
        var serverCertificate = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(Cards.Manifest.Persona("server-mersin").CertificatePath));
        var embedded = cms.GetCertificates().EnumerateMatches(signers[0].SignerID).ToList();
        Assert.Contains(embedded, c => c.Equals(serverCertificate));
        Assert.True(signers[0].Verify(serverCertificate.GetPublicKey()), "the receipt's signature does not verify with the server key");

        using var contentStream = new MemoryStream();
        cms.SignedContent.Write(contentStream);
        var content = contentStream.ToArray();
        var batch = JsonDocument.Parse(content).RootElement;
        Assert.Equal("esign.receipt-batch", batch.GetProperty("type").GetString());
        Assert.Equal(1, batch.GetProperty("version").GetInt32());
        var hashes = batch.GetProperty("documentSha256").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(hashes);

        var changed = (byte[])content.Clone();
        changed[^3] ^= 0x01;
        var other = new CmsSignedData(new CmsProcessableByteArray(changed), receipt.Signature.ToByteArray()).GetSignerInfos().GetSigners().Single();
        var verifiesChanged = true;
        try
        {
            verifiesChanged = other.Verify(serverCertificate.GetPublicKey());
        }
        catch (CmsException)
        {
            verifiesChanged = false; // BouncyCastle reports a digest mismatch by throwing
        }
        Assert.False(verifiesChanged);
        return hashes;
    }

    /// <summary>The call's status when it is refused, or OK; for "may this caller do it at all" checks.</summary>
    public static async Task<StatusCode> StatusOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}
