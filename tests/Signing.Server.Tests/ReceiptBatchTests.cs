using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Signing.Contracts.V1;
using Signing.Server.Configuration;
using Signing.Server.Receipts;
using Signing.Server.Tests.Infrastructure;
using Signing.Tokens;

namespace Signing.Server.Tests;

/// <summary>
/// Receipts issued together share one signature of the server token (SoftHSM, the hsm-sim world's server-mersin key):
/// each applicant still gets their own document and can prove it by its hash in the signed batch.
/// </summary>
public sealed class ReceiptBatchTests
{
    private const string PinVariable = "SIGNING_RECEIPT_TESTS_PIN";

    public ReceiptBatchTests()
    {
        Signing.HsmSim.SoftHsmEnvironment.EnsureConf(Cards.Manifest.SoftHsm2Conf);
        Environment.SetEnvironmentVariable(PinVariable, Cards.Manifest.Persona("server-mersin").UserPin);
    }

    private static ReceiptSigner Signer(int? maxBatch = null, string token = "server-mersin")
    {
        var serverKey = new ServerKeyOptions
        {
            Token = token,
            PinEnvironmentVariable = PinVariable,
            ChainFile = Cards.Manifest.Pki.NesSubCaCertificate,
        };
        var receipts = maxBatch is null ? new ReceiptOptions() : new ReceiptOptions { MaxBatch = maxBatch.Value };
        return new ReceiptSigner(Options.Create(serverKey), Options.Create(receipts), TimeProvider.System);
    }

    private static byte[] Document(int i) => Encoding.UTF8.GetBytes($"{{\"type\":\"test\",\"n\":{i},\"id\":\"{Guid.NewGuid()}\"}}");

    [Fact]
    public async Task Receipts_asked_for_together_share_signatures_and_each_is_proven_by_its_hash_in_the_signed_batch()
    {
        await using var signer = Signer();
        var documents = Enumerable.Range(0, 200).Select(Document).ToList();
        // Asked for in one burst (each call only queues its document): a token signature takes far longer than the burst,
        // so however the loop's turns fall, the receipts share a handful of signatures.
        var receipts = await Task.WhenAll(documents.Select(d => signer.IssueAsync(d)).ToList());

        Assert.Equal(200, signer.Receipts);
        // While the token signs one batch the others queue for the next: far fewer signatures than receipts.
        Assert.InRange(signer.Signatures, 4, 100);
        var byBatch = new Dictionary<string, IReadOnlyList<string>>();
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.Equal(documents[i], receipts[i].DocumentJson.ToByteArray());
            var hashes = Scenario.ReceiptBatchHashes(receipts[i]);
            Assert.Contains(Scenario.Sha256Hex(documents[i]), hashes);
            byBatch[Convert.ToHexString(receipts[i].Signature.Span)] = hashes;
        }
        // Every receipt is in exactly one signed batch, and a batch lists only receipts that were asked for.
        Assert.Equal(signer.Signatures, byBatch.Count);
        Assert.Equal(documents.Select(Scenario.Sha256Hex).Order(), byBatch.Values.SelectMany(h => h).Order());
        Assert.Contains(byBatch.Values, h => h.Count > 1);
        // The default cap keeps each reply's list bounded.
        Assert.All(byBatch.Values, h => Assert.InRange(h.Count, 1, 64));
    }

    [Fact]
    public async Task A_receipt_carries_the_server_certificate_and_only_the_configured_certificates_that_issued_it()
    {
        // The world's default chain is the NES sub-CA, which did not issue the server certificate (the root did).
        await using var signer = Signer();
        var receipt = await signer.IssueAsync(Document(0));
        var embedded = new Org.BouncyCastle.Cms.CmsSignedData(receipt.Signature.ToByteArray()).GetCertificates().EnumerateMatches(null).ToList();
        Assert.Equal([Certificate(Cards.Manifest.Persona("server-mersin").CertificatePath)], embedded);
    }

    [Fact]
    public void The_issuers_kept_are_the_signers_path_nearest_first_and_nothing_else()
    {
        var root = Certificate(Cards.Manifest.Pki.RootCertificate);
        var subCa = Certificate(Cards.Manifest.Pki.NesSubCaCertificate);
        var server = Certificate(Cards.Manifest.Persona("server-mersin").CertificatePath);
        var doctor = Certificate(Cards.Manifest.Persona("doctor").CertificatePath);

        Assert.Equal([root], ReceiptSigner.IssuersOf(server, [subCa, root]));
        Assert.Equal([subCa, root], ReceiptSigner.IssuersOf(doctor, [root, subCa]));
        Assert.Equal([subCa], ReceiptSigner.IssuersOf(doctor, [subCa]));
        Assert.Empty(ReceiptSigner.IssuersOf(server, [subCa]));
        Assert.Empty(ReceiptSigner.IssuersOf(root, [root, subCa]));
    }

    private static Org.BouncyCastle.X509.X509Certificate Certificate(string path) =>
        new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(path));

    [Fact]
    public async Task With_max_batch_1_every_receipt_has_a_signature_of_its_own()
    {
        await using var signer = Signer(maxBatch: 1);
        var documents = Enumerable.Range(0, 20).Select(Document).ToList();
        var receipts = await Task.WhenAll(documents.Select(d => Task.Run(() => signer.IssueAsync(d))));

        Assert.Equal(20, signer.Signatures);
        for (var i = 0; i < documents.Count; i++)
            Assert.Equal(new[] { Scenario.Sha256Hex(documents[i]) }, Scenario.ReceiptBatchHashes(receipts[i]));
    }

    [Fact]
    public async Task A_batch_the_token_cannot_sign_fails_for_every_receipt_in_it_and_the_signer_keeps_going()
    {
        await using var signer = Signer(token: "no-such-token");
        var calls = Enumerable.Range(0, 10).Select(i => Task.Run(() => signer.IssueAsync(Document(i)))).ToList();
        foreach (var call in calls)
            Assert.Equal(TokenErrorKind.NoToken, (await Assert.ThrowsAnyAsync<TokenException>(() => call)).Kind);
        // The loop survived the failure: the next receipt is tried again (and fails the same way, not with a hang).
        Assert.Equal(TokenErrorKind.NoToken, (await Assert.ThrowsAnyAsync<TokenException>(() => signer.IssueAsync(Document(99)))).Kind);
        Assert.Equal(0, signer.Signatures);
    }

    [Fact]
    public async Task Receipts_asked_for_before_shutdown_are_still_signed_and_later_ones_are_refused()
    {
        var signer = Signer();
        var documents = Enumerable.Range(0, 50).Select(Document).ToList();
        var calls = documents.Select(d => signer.IssueAsync(d)).ToList();
        await signer.DisposeAsync();

        var receipts = await Task.WhenAll(calls);
        for (var i = 0; i < documents.Count; i++)
            Assert.Contains(Scenario.Sha256Hex(documents[i]), Scenario.ReceiptBatchHashes(receipts[i]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => signer.IssueAsync(Document(50)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_max_batch_below_one_is_refused_at_start_with_the_setting_named(int maxBatch)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Signer(maxBatch));
        Assert.Contains(ReceiptSigner.MaxBatchKey, e.Message);
    }
}
