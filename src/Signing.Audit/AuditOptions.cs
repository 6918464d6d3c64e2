using Signing.Verification;

namespace Signing.Audit;

/// <summary>What an audit checks against. Nothing it judges reads the real clock: <see cref="Now"/> is given.</summary>
public sealed record AuditOptions
{
    /// <summary>The server's trust configuration (anchors, intermediates, e-Onay issuers); its CRLs are replaced, per event, by the stored ones.</summary>
    public required TrustConfiguration Trust { get; init; }

    /// <summary>
    /// SHA-256 of the directorate certificate(s) that may sign checkpoints. Empty: the trust configuration's receipt
    /// signers (checkpoints are signed with the receipt key).
    /// </summary>
    public IReadOnlyList<string> DirectorateSha256 { get; init; } = [];

    /// <summary>The log's origin every checkpoint must name; null: the origin of the first checkpoint.</summary>
    public string? Origin { get; init; }

    /// <summary>The audit's "now": an event or checkpoint from after it is a problem, and the report is dated by it.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>The tree, the leaves and the checkpoints only: no evidence is read or re-verified.</summary>
    public bool TreeOnly { get; init; }

    /// <summary>
    /// Leaves after the latest checkpoint are not a problem (a live store whose next checkpoint is due). Off: every leaf
    /// must be covered by a signed checkpoint, as after the server's shutdown checkpoint.
    /// </summary>
    public bool AllowUnsealedTail { get; init; }

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>How many problems the report lists (all are counted).</summary>
    public int ListedProblems { get; init; } = 10_000;

    /// <summary>Entries processed so far (log entries: leaves and the events outside the log).</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>The pins in the form compared.</summary>
    internal IReadOnlySet<string> CheckpointSigners() =>
        (DirectorateSha256.Count > 0 ? DirectorateSha256 : Trust.ReceiptSigners).Select(TrustConfiguration.NormalizeSha256).ToHashSet(StringComparer.Ordinal);
}
