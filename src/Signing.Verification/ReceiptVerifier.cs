using System.Security.Cryptography;
using System.Text.Json;

namespace Signing.Verification;

/// <summary>
/// Checks a submission receipt the way an applicant (or an auditor) would, without the server: the signature is an
/// attached CMS over a <see cref="ReceiptBatch"/>, judged by <see cref="CmsVerifier"/> against the caller's trust (the
/// directorate's root); its signer must be one of the receipt certificates the trust pins
/// (<see cref="TrustConfiguration.ReceiptSigners"/>: any NES under the root can sign a well-formed batch); and the batch
/// must list the SHA-256 of exactly the receipt document given. The answer is one <see cref="Verdict"/>: the CMS verdict
/// plus a "receipt-signer" and a "receipt-listed" check. Another signer is TOTAL_FAILED / SIG_CONSTRAINTS_FAILURE, no pin
/// at all INDETERMINATE (nothing can be said), a batch that does not list the document TOTAL_FAILED / HASH_FAILURE.
/// Never throws for bad input.
/// </summary>
public sealed class ReceiptVerifier(CmsVerifier cms)
{
    public const string ListedCheck = "receipt-listed";
    public const string SignerCheck = "receipt-signer";

    /// <summary>The verdict on <paramref name="document"/> (the receipt JSON as received) and its batch signature.</summary>
    public Verdict Verify(byte[] document, byte[] signature, VerificationOptions options) => Verify(document, signature, options, out _);

    /// <inheritdoc cref="Verify(byte[], byte[], VerificationOptions)"/>
    /// <param name="batchSize">How many receipts the signature covers (0 when it is not over a receipt batch).</param>
    public Verdict Verify(byte[] document, byte[] signature, VerificationOptions options, out int batchSize)
    {
        batchSize = 0;
        var verdict = cms.Verify(signature, null, options, out var content);
        if (content is null || verdict.Indication == Indication.TotalFailed && verdict.SubIndication is SubIndication.FormatFailure
                or SubIndication.HashFailure or SubIndication.SigCryptoFailure or SubIndication.SignedDataNotFound)
            return verdict; // nothing trustworthy was signed: the list would prove nothing

        var pins = cms.Certificates.Trust.ReceiptSigners.Select(TrustConfiguration.NormalizeSha256).ToHashSet(StringComparer.Ordinal);
        var signerSha = verdict.Signer?.CertificateSha256;
        if (pins.Count == 0 || signerSha is null || !pins.Contains(signerSha))
        {
            var noPin = pins.Count == 0;
            var why = noPin ? "no receipt certificate is pinned: give the directorate's (its SHA-256) to check a receipt"
                : $"the batch is signed by certificate sha256 {signerSha ?? "(unknown)"}, not by a pinned receipt certificate of the directorate";
            return verdict with
            {
                Indication = noPin ? Indication.Indeterminate : Indication.TotalFailed,
                SubIndication = SubIndication.SigConstraintsFailure,
                Reason = verdict.Reason is null ? why : why + "; " + verdict.Reason,
                Checks = [.. verdict.Checks, new Check(SignerCheck, CheckResult.Failed, why)],
            };
        }
        var signerChecked = new Check(SignerCheck, CheckResult.Passed, $"sha256 {signerSha} is a pinned receipt certificate");

        var sha = Convert.ToHexStringLower(SHA256.HashData(document));
        Check listed;
        string? reason = null;
        try
        {
            var hashes = ReceiptBatch.DocumentHashes(content);
            batchSize = hashes.Count;
            listed = hashes.Contains(sha)
                ? new Check(ListedCheck, CheckResult.Passed, $"sha256 {sha} is one of the {hashes.Count} receipt(s) signed together")
                : new Check(ListedCheck, CheckResult.Failed, $"sha256 {sha} is not among the {hashes.Count} receipt(s) this signature covers");
            if (listed.Result == CheckResult.Failed)
                reason = "the signed receipt batch does not list this document: it was changed, or belongs to another signature";
        }
        catch (JsonException e)
        {
            listed = new Check(ListedCheck, CheckResult.Failed, "the signed content is not a receipt batch: " + e.Message);
            reason = "the signature is not over a receipt batch";
        }

        if (reason is null)
            return verdict with { Checks = [.. verdict.Checks, signerChecked, listed] };
        return verdict with
        {
            Indication = Indication.TotalFailed,
            SubIndication = SubIndication.HashFailure,
            Reason = verdict.Reason is null ? reason : reason + "; " + verdict.Reason,
            Checks = [.. verdict.Checks, signerChecked, listed],
        };
    }
}
