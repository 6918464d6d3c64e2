using System.Text;
using Signing.Record;
using Signing.Verification;

namespace Signing.Audit;

/// <summary>
/// Each checkpoint row on its own: the note parses as a checkpoint body (design §5) that states the row's size and
/// root, names the log's origin, and carries a detached CMS over exactly its UTF-8 bytes by a pinned directorate
/// certificate, valid (chain to the trust anchors) when the checkpoint was signed. Whether the root is that of the
/// recomputed tree is <see cref="TreeWalk"/>'s part.
/// </summary>
internal sealed class CheckpointChecker(AuditOptions options, ProblemSink problems)
{
    private readonly CmsVerifier cms = new(options.Trust);
    private readonly IReadOnlySet<string> pins = options.CheckpointSigners();

    /// <summary>Checks every row; returns the sizes whose signature and note hold (only those seal leaves).</summary>
    public IReadOnlySet<long> Check(IReadOnlyList<StoredCheckpoint> checkpoints)
    {
        var good = new HashSet<long>();
        var origin = options.Origin;
        foreach (var row in checkpoints)
        {
            var fine = true;
            void Problem(string code, string message)
            {
                problems.Add(AuditProblem.AtCheckpoint(row.TreeSize, code, message));
                fine = false;
            }

            var note = Checkpoint.Parse(row.Note);
            if (note is null)
                Problem("checkpoint.note", "the stored note is not a checkpoint body (origin, size, base64 root, each on its own line)");
            else
            {
                if (note.TreeSize != row.TreeSize)
                    Problem("checkpoint.note", $"the note states tree size {note.TreeSize}, the row {row.TreeSize}");
                if (!note.RootHash.AsSpan().SequenceEqual(row.RootHash))
                    Problem("checkpoint.note", $"the note states root {Convert.ToHexStringLower(note.RootHash)}, the row {Convert.ToHexStringLower(row.RootHash)}");
                origin ??= note.Origin;
                if (note.Origin != origin)
                    Problem("checkpoint.origin", $"the note names origin '{note.Origin}', the log is '{origin}'");
            }
            if (row.SignedAt > options.Now)
                Problem("checkpoint.future", $"signed at {row.SignedAt:u}, after the audit's now ({options.Now:u})");

            if (Signature(row) is { } wrong)
                Problem("checkpoint.signature", wrong);
            if (fine)
                good.Add(row.TreeSize);
        }
        return good;
    }

    /// <summary>Why the checkpoint's signature does not hold, or null.</summary>
    private string? Signature(StoredCheckpoint row)
    {
        if (pins.Count == 0)
            return "no directorate certificate is pinned to check it against (--directorate-cert, --directorate-sha256 or receiptSigners in the trust file)";
        // The directorate's key is not a personal NES: RFC 5280 only, as for receipts; judged when it was signed.
        var verdict = cms.Verify(row.Signature, Encoding.UTF8.GetBytes(row.Note),
            new VerificationOptions { Profile = ValidationProfile.None, At = row.SignedAt, Revocation = RevocationMode.BestEffort });
        if (!verdict.Passed)
            return $"the signature does not verify over the note: {Name(verdict.Indication)}/{Name(verdict.SubIndication)} {verdict.Reason}";
        if (verdict.Signer?.CertificateSha256 is not { } signer || !pins.Contains(signer))
            return $"signed by certificate sha256 {verdict.Signer?.CertificateSha256}, not by a pinned directorate certificate";
        return null;
    }

    internal static string Name<T>(T value) where T : struct, Enum => System.Text.Json.JsonSerializer.Serialize(value).Trim('"');
}
