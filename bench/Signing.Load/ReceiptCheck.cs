using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.X509;
using Signing.Contracts.V1;

namespace Signing.Load;

/// <summary>
/// Receipts sampled during a run, checked afterwards the way an applicant would: the CMS verifies with its embedded
/// signer certificate, which the world's root issued (as `openssl cms -verify -CAfile root.pem`), and the signed batch lists the SHA-256 of the receipt's own
/// document. Under load this is the proof that batching receipts still gives every caller a receipt of its own.
/// </summary>
public static class ReceiptCheck
{
    public sealed record Outcome(int Checked, int Bad, double MeanBatch, string? FirstProblem);

    public static Outcome Verify(IReadOnlyCollection<SignedReceipt> receipts, string rootCertificatePath)
    {
        var root = new X509CertificateParser().ReadCertificate(File.ReadAllBytes(rootCertificatePath));
        int bad = 0, sizes = 0;
        string? first = null;
        foreach (var receipt in receipts)
        {
            var problem = Problem(receipt, root, out var batchSize);
            sizes += batchSize;
            if (problem is not null)
            {
                bad++;
                first ??= problem;
            }
        }
        return new Outcome(receipts.Count, bad, receipts.Count == 0 ? 0 : (double)sizes / receipts.Count, first);
    }

    private static string? Problem(SignedReceipt receipt, X509Certificate root, out int batchSize)
    {
        batchSize = 0;
        try
        {
            var cms = new CmsSignedData(receipt.Signature.ToByteArray());
            var signer = cms.GetSignerInfos().GetSigners().Cast<SignerInformation>().Single();
            var certificate = cms.GetCertificates().EnumerateMatches(signer.SignerID).Cast<X509Certificate>().FirstOrDefault();
            if (certificate is null)
                return "the receipt's CMS does not carry its signer's certificate";
            certificate.Verify(root.GetPublicKey());
            if (!signer.Verify(certificate))
                return "the receipt's signature does not verify";
            using var content = new MemoryStream();
            cms.SignedContent.Write(content);
            using var batch = JsonDocument.Parse(content.ToArray());
            var hashes = batch.RootElement.GetProperty("documentSha256").EnumerateArray().Select(e => e.GetString()).ToList();
            batchSize = hashes.Count;
            return hashes.Contains(Convert.ToHexStringLower(SHA256.HashData(receipt.DocumentJson.Span)))
                ? null
                : "the signed batch does not list the receipt's document";
        }
        catch (Exception e) when (e is CmsException or JsonException or KeyNotFoundException or InvalidOperationException
                                     or Org.BouncyCastle.Security.GeneralSecurityException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
