using Signing.Contracts.V1;
using Signing.Verification;

namespace Signing.Load;

/// <summary>
/// Receipts sampled during a run, checked afterwards the way an applicant would (`esign cms verify-receipt` with the
/// world's root as trust anchor): the CMS verifies, its signer chains to the root, and the signed batch lists the SHA-256
/// of the receipt's own document. Under load this is the proof that batching receipts still gives every caller a receipt
/// of its own.
/// </summary>
public static class ReceiptCheck
{
    public sealed record Outcome(int Checked, int Bad, double MeanBatch, string? FirstProblem);

    /// <param name="manifestPath">The world's manifest: the trust.json hsm-sim writes beside it pins the receipt certificate.</param>
    public static Outcome Verify(IReadOnlyCollection<SignedReceipt> receipts, string rootCertificatePath, string manifestPath)
    {
        var pins = TrustConfiguration.Load(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, "trust.json")).ReceiptSigners;
        var verifier = new ReceiptVerifier(new CmsVerifier(new TrustConfiguration { TrustAnchors = ParsedCertificate.FromFile(rootCertificatePath), ReceiptSigners = pins }));
        // As `esign cms verify-receipt` by default: RFC 5280, the CRLs at hand consulted (none here) but not required.
        var options = new VerificationOptions { Profile = ValidationProfile.None, Revocation = RevocationMode.BestEffort };
        int bad = 0, sizes = 0;
        string? first = null;
        foreach (var receipt in receipts)
        {
            var verdict = verifier.Verify(receipt.DocumentJson.ToByteArray(), receipt.Signature.ToByteArray(), options, out var batchSize);
            sizes += batchSize;
            if (!verdict.Passed)
            {
                bad++;
                first ??= $"{verdict.Indication} / {verdict.SubIndication}: {verdict.Reason}";
            }
        }
        return new Outcome(receipts.Count, bad, receipts.Count == 0 ? 0 : (double)sizes / receipts.Count, first);
    }
}
